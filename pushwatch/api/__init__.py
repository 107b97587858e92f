"""The protocol layer: HTTP and JSON of im_get_push_report. Knows nothing of files, screens or scheduling."""
