// Models: filled by its issue.
