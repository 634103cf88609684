"""Task packages that live outside NetCanvas, as a user's or a course's would: loaded by name
(runtime.tasks.load_task_package, or the NETCANVAS_TASKS environment variable)."""
