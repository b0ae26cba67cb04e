"""The background poller: an asyncio task that polls due feeds until stopped.

Started by the Discord bot in ``setup_hook`` and stopped in ``close()``. Every
``feed_tick`` seconds (or at once after :meth:`FeedScheduler.wake`) it polls the feeds
that are due; the spread comes from each feed's jittered next poll time, the bound from
``feed_concurrency``. Polling never holds the library's locks for long (pages are fetched
and embedded outside them), so questions keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from index.feeds.service import FeedService, Notify, PollReport

log = logging.getLogger(__name__)


class FeedScheduler:
    """Polls ``service``'s due feeds every ``tick`` seconds; events go to ``notify``."""

    def __init__(self, service: FeedService, *, notify: Notify | None, tick: float) -> None:
        self.service = service
        self.notify = notify
        self.tick = max(0.01, tick)
        self._task: asyncio.Task[None] | None = None
        self._woken = False
        self._sleeping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="newsbot-feeds")

    def wake(self) -> None:
        """Look for due feeds now (a feed was just added) instead of at the next tick."""
        if self._woken:
            return
        self._woken = True
        if self._task is not None and self._sleeping:
            self._task.cancel()  # ends the nap only: _run tells it from stop() by _woken

    async def stop(self) -> None:
        """Stop polling; a poll in progress is cancelled (its items are taken in again next
        time, as they were not recorded as seen)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._woken = False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> list[PollReport]:
        """Poll the feeds that are due now."""
        return await self.service.poll_due(notify=self.notify)

    async def _nap(self) -> None:
        """Sleep one tick (a single timer: a test harness with a virtual clock, SimCord,
        sees an idle scheduler as parked), unless woken."""
        if self._woken:
            return
        self._sleeping = True
        try:
            await asyncio.sleep(self.tick)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._woken or task is None or task.cancelling() > 1:
                raise  # stop(), not wake()
            task.uncancel()
        finally:
            self._sleeping = False

    async def _run(self) -> None:
        while True:
            await self._nap()
            self._woken = False
            try:
                reports = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep polling the other feeds next time
                log.exception("feed polling failed")
                continue
            for report in reports:
                if report.ingested:
                    log.info("feed %s: %d articles in", report.feed.url, len(report.ingested))
