// Optim: filled by its issue.
