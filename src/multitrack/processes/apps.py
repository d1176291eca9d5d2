from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "multitrack.processes"
    label = "processes"
    verbose_name = "Dialogue processes and meetings"
