"""The papermill engine ``evaluation-warm``: run a notebook on a :class:`WarmKernel`.

Registered with papermill through the ``papermill.engine`` entry point
(``pyproject.toml``), so papermill finds it by name; the kernel and its open
channels are reused (no kernel start, no new sockets per report). Without a
``warm_kernel`` argument it behaves as papermill's default nbclient engine.
"""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.log import logger as pm_logger

__all__ = ["WarmKernelEngine"]


class WarmKernelEngine(NBClientEngine):
    """papermill engine running on a :class:`~evaluation.rendering.kernel.WarmKernel`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                 stdout_file=None, stderr_file=None, start_timeout=60,
                                 execution_timeout=None, warm_kernel=None, **kwargs):
        if warm_kernel is None:
            return super().execute_managed_notebook(
                nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, start_timeout=start_timeout,
                execution_timeout=execution_timeout, **kwargs)
        client = PapermillNotebookClient(
            nb_man, km=warm_kernel.km, timeout=execution_timeout,
            startup_timeout=start_timeout, kernel_name=kernel_name, log=pm_logger,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
        client.kc = warm_kernel.kc  # reuse the open channels (no per-report sockets)
        return client.execute()
