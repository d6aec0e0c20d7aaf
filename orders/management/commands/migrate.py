from django.core.management.commands.migrate import Command as MigrateCommand

from orders.migration_autodetector import OrdersAutodetector


class Command(MigrateCommand):
    autodetector = OrdersAutodetector
