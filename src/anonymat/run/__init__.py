"""Running a batch: the page stage, the copy stage, grouping, resuming, the workers, the lock, the hot folder."""
