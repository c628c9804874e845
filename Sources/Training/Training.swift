// Training: filled by its issue.
