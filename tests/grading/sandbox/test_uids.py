"""Private uids are leased: no two live sandboxes share one, whatever the class size."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from cnnquiz.grading.sandbox.uids import UID_BASE, lease_uid

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="private uids are leased only as root")


def test_more_than_256_live_leases_are_all_distinct():
    leases = [lease_uid() for _ in range(300)]
    try:
        uids = [lease.uid for lease in leases]
        assert len(set(uids)) == 300 and min(uids) >= UID_BASE > 65535
    finally:
        for lease in leases:
            lease.release()


def test_a_released_uid_is_reused_and_a_held_one_is_not():
    first = lease_uid()
    second = lease_uid()
    assert first.uid != second.uid
    first.release()
    again = lease_uid()
    try:
        assert again.uid == first.uid
    finally:
        again.release()
        second.release()


def test_concurrent_leases_from_threads_never_collide():
    def take(_):
        return lease_uid()

    with ThreadPoolExecutor(8) as pool:
        leases = list(pool.map(take, range(300)))
    try:
        assert len({lease.uid for lease in leases}) == 300
    finally:
        for lease in leases:
            lease.release()


def test_another_grader_process_holding_a_uid_is_respected():
    code = ("from cnnquiz.grading.sandbox.uids import lease_uid\nimport sys\n"
            "lease = lease_uid()\nprint(lease.uid, flush=True)\nsys.stdin.read()\n")
    other = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = int(other.stdout.readline())
        mine = [lease_uid() for _ in range(5)]
        try:
            assert held not in {lease.uid for lease in mine}
        finally:
            for lease in mine:
                lease.release()
    finally:
        other.communicate("", timeout=10)
