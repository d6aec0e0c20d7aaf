from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_pgviews.signals import all_views_synced

        from reports.schema import reports_views_after_sync

        # pgviews-redux drops and re-creates changed views at migrate, taking their GRANTs and
        # COMMENTs with them: put both back after every sync.
        all_views_synced.connect(reports_views_after_sync, dispatch_uid="reports_views_after_sync")
