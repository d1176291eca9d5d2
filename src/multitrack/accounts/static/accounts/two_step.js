// Two-step sign-in. No inline scripts anywhere: the CSP forbids them.
// Once the browser has registered a passkey (django-otp-webauthn's script announces it), go on
// to the page that hands out the recovery codes.
document.addEventListener("otp_webauthn.register_complete", function () {
  var form = document.getElementById("passkey-added");
  if (form) {
    form.submit();
  }
});
