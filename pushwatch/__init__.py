"""pushwatch: watch Tencent Cloud IM push tasks from a terminal."""

__version__ = "0.1.0"
