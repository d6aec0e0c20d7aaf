from django.core.management.commands.makemigrations import Command as MakeMigrationsCommand

from orders.migration_autodetector import OrdersAutodetector


class Command(MakeMigrationsCommand):
    autodetector = OrdersAutodetector
