// DataIO: filled by its issue.
