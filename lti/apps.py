from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3"

    def ready(self) -> None:
        from lti import passback  # noqa: F401  (listens to exercises' grade_changed)
