"""The lessons gandojo teaches, as code: the WGAN paper's Example 1 (parallel lines)."""

from gandojo.lessons.example1 import ParallelLines, parallel_lines

__all__ = ["ParallelLines", "parallel_lines"]
