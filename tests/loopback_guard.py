"""A guard for tests that run a real server on 127.0.0.1: every connection the event loop
makes is recorded, and any that is not to a loopback address is blocked, so a broken SSRF
check fails a test instead of sending traffic anywhere."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest


def guard_loopback(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Guard the running loop's ``sock_connect``; returns the list of addresses tried."""
    loop = asyncio.get_running_loop()
    attempts: list[str] = []
    real_sock_connect = loop.sock_connect

    async def guarded(sock: socket.socket, address: Any) -> None:
        attempts.append(address[0])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise OSError(f"test guard: blocked a connection to {address[0]}")
        await real_sock_connect(sock, address)

    monkeypatch.setattr(loop, "sock_connect", guarded)
    return attempts
