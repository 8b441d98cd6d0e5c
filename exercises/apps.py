from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Coding exercises"

    def ready(self) -> None:
        from exercises import signals  # noqa: F401  (connects the receivers)
