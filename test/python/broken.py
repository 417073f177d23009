"""A module that cannot be imported: its import raises."""

raise RuntimeError('broken on purpose at import')
