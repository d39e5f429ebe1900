"""Command-line interface: the ``sciml`` console script (:func:`sciml.cli.main.main`)."""
