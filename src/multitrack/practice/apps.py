from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "multitrack.practice"
    label = "practice"
    verbose_name = "Best-practice inputs: stakeholder targets, observances, ties, surveys"
