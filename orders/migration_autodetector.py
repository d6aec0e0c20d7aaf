"""One autodetector that knows both pgtrigger triggers and pgviews-redux views.

pgviews-redux ships makemigrations/migrate commands whose autodetector lacks pgtrigger's mixin,
so with both apps installed `makemigrations` fails to serialize triggers (django-pgtrigger#225,
django-pgviews-redux#127). orders' own commands (this app is listed before django_pgviews) use
this single class; both must point at the same object or Django's check commands.E001 fails.
"""

from django_pgviews.db.migrations.autodetector import PGViewsAutodetector
from pgtrigger.migrations import MigrationAutodetectorMixin


class OrdersAutodetector(MigrationAutodetectorMixin, PGViewsAutodetector):
    pass
