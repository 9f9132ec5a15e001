"""The engine in worker processes (gateway/processes.py): same results, errors kept, dead workers replaced."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from portrait_studio.api.client import Client
from portrait_studio.api.hosting import data_url
from portrait_studio.core.errors import PortraitStudioError
from portrait_studio.core.params import EditParams
from portrait_studio.engine import LocalEngine
from portrait_studio.gateway import LocalGateway
from portrait_studio.gateway.processes import ProcessEngine
from tests.gateway.engines import BUG_SEED, FAIL_SEED, HANG_SEED, BrokenEngine, PidEngine, SeedSwitchedEngine
from tests.photos import astronaut, save

PARAMS = EditParams(gpen=0.5, skin=0.4, skin_unifi=0.3, width=512, height=512, seed=1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A worker that ended but was not yet reaped is a zombie: gone for our purposes.
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _gone(pid: int, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return not _alive(pid)


def _reapable(pid: int, timeout: float = 5.0) -> bool:
    """True once the child `pid` has wholly ended, so its parent can see it (it is left unreaped).

    A SIGKILLed worker shows as a zombie while its other threads still exit, and until they have, its parent
    cannot collect it yet: a test that stops waiting there (as `_gone` does) races the product's check.
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.01)
    return False


def test_default_gateway_retouches_in_workers_exactly_as_in_process(tmp_path: Path) -> None:
    photo = save(astronaut(), tmp_path / "astronaut.jpg").read_bytes()
    with (
        LocalGateway(cache_dir=tmp_path / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
    ):
        engine = gateway.engine
        assert isinstance(engine, ProcessEngine) and gateway.engine_name == "local"
        task = client.wait(client.submit(PARAMS, data_url(photo, "image/jpeg")).id)
        assert task.status == "completed"
        result = client.download(task.outputs[0].url, tmp_path / "result.jpg").read_bytes()
        pids = engine.pids
        assert pids and os.getpid() not in pids
    # Byte-identical to the engine run here: the worker's single OpenCV thread changes nothing.
    assert result == LocalEngine().run(photo, PARAMS, lambda p: None)
    assert all(_gone(pid) for pid in pids), "stopping the gateway stops the workers it started"


def test_task_errors_keep_their_code_and_the_worker() -> None:
    engine = ProcessEngine(SeedSwitchedEngine, workers=1)
    try:
        with pytest.raises(PortraitStudioError) as refused:
            engine.run(b"x", PARAMS.replace(seed=FAIL_SEED), lambda p: None)
        assert refused.value.code == "003010002"
        assert refused.value.message == "not a portrait"
        assert refused.value.fix == "choose one with a face"
        [pid] = engine.pids
        with pytest.raises(PortraitStudioError, match=r"generation error \(ZeroDivisionError") as bug:
            engine.run(b"x", PARAMS.replace(seed=BUG_SEED), lambda p: None)
        assert bug.value.code == "003010095"
        assert engine.pids == [pid], "an engine error is the task's, not the worker's: it stays"
    finally:
        engine.close()


def test_a_killed_worker_fails_its_task_plainly_and_is_replaced(tmp_path: Path) -> None:
    photo = save(astronaut(), tmp_path / "a.jpg").read_bytes()
    engine = ProcessEngine(SeedSwitchedEngine, workers=1)
    try:
        engine.warm(wait=True)
        [pid] = engine.pids
        started = threading.Event()
        outcome: list[BaseException] = []

        def hang() -> None:
            try:
                engine.run(photo, PARAMS.replace(seed=HANG_SEED), lambda p: started.set())
            except BaseException as err:
                outcome.append(err)

        runner = threading.Thread(target=hang)
        runner.start()
        assert started.wait(30), "the worker never reported progress"
        os.kill(pid, signal.SIGKILL)
        runner.join(10)
        assert not runner.is_alive()
        [err] = outcome
        assert isinstance(err, PortraitStudioError) and err.code == "003010095"
        assert "stopped unexpectedly" in err.message and "Run the photo again" in err.fix
        result = engine.run(photo, PARAMS, lambda p: None)
        assert result[:3] == b"\xff\xd8\xff"
        [new_pid] = engine.pids
        assert new_pid != pid
    finally:
        engine.close()


def test_a_worker_killed_while_idle_does_not_fail_the_next_photo() -> None:
    engine = ProcessEngine(PidEngine, workers=1)
    try:
        engine.warm(wait=True)
        [pid] = engine.pids
        os.kill(pid, signal.SIGKILL)
        assert _reapable(pid)
        ran = int(engine.run(b"", PARAMS, lambda p: None))  # the photo goes to a new worker, not an error
        assert ran != pid and engine.pids == [ran]
    finally:
        engine.close()


def test_a_worker_that_dies_starting_fails_tasks_plainly_instead_of_hanging() -> None:
    engine = ProcessEngine(BrokenEngine, workers=1)
    try:
        engine.warm(wait=True)  # the worker died building its engine: retired, nothing waits for it
        assert engine.pids == []
        with ThreadPoolExecutor(1) as pool:
            task = pool.submit(engine.run, b"", PARAMS, lambda p: None)
            with pytest.raises(PortraitStudioError, match="stopped unexpectedly"):
                task.result(timeout=60)
    finally:
        engine.close()


def test_never_more_workers_than_asked_and_close_stops_them() -> None:
    engine = ProcessEngine(PidEngine, workers=2)
    try:
        with ThreadPoolExecutor(5) as pool:
            warming = pool.submit(engine.warm)
            ran = list(pool.map(lambda _: int(engine.run(b"", PARAMS, lambda p: None)), range(12)))
            warming.result()
        assert set(ran) <= set(engine.pids)
        assert len(engine.pids) == 2
        pids = engine.pids
    finally:
        engine.close()
    assert all(_gone(pid) for pid in pids)
    assert engine.pids == []
    with pytest.raises(PortraitStudioError, match="shut down"):
        engine.run(b"", PARAMS, lambda p: None)


def test_gateway_leaves_an_engine_it_was_given_running(tmp_path: Path) -> None:
    engine = ProcessEngine(PidEngine, workers=1)
    try:
        with LocalGateway(engine, cache_dir=tmp_path / "gw"):  # type: ignore[arg-type]
            engine.warm(wait=True)
        [pid] = engine.pids
        assert _alive(pid), "whoever made the engine closes it"
    finally:
        engine.close()


def _proc_stat(pid: int) -> tuple[int, int]:
    """(minor page faults so far, resident pages) of a process (proc(5): stat fields 10 and 24)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[7]), int(fields[21])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads page faults from Linux /proc")
def test_a_worker_keeps_its_memory_between_photos_and_gives_it_back_when_idle(tmp_path: Path) -> None:
    from portrait_studio.gateway.processes import IDLE_TRIM_SECONDS

    photo = save(astronaut(), tmp_path / "astronaut.jpg").read_bytes()
    big = EditParams(gpen=0.5, skin=0.4, skin_unifi=0.3, width=1536, height=1536, seed=1)
    engine = ProcessEngine(LocalEngine, workers=1)
    try:
        engine.warm(wait=True)
        (pid,) = engine.pids
        engine.run(photo, big, lambda p: None)  # the first photo faults its arrays in
        faults = []
        for _ in range(3):
            before = _proc_stat(pid)[0]
            engine.run(photo, big, lambda p: None)
            faults.append(_proc_stat(pid)[0] - before)
        busy = idle = _proc_stat(pid)[1]
        # The trim comes IDLE_TRIM_SECONDS after the last photo; a loaded machine may be a little late.
        deadline = time.monotonic() + IDLE_TRIM_SECONDS + 10.0
        while busy - idle <= 4_000 and time.monotonic() < deadline:
            time.sleep(0.2)
            idle = _proc_stat(pid)[1]
    finally:
        engine.close()
    # With glibc's defaults every photo here faulted ~6,500 pages (25 MB) in again; kept, it is ~0.
    assert max(faults) < 1_000, faults
    assert busy - idle > 4_000, (busy, idle)  # an idle worker gave back what it kept (~10,000 pages here)


def test_ctrl_c_in_the_terminal_does_not_kill_the_workers() -> None:
    """Ctrl+C reaches the whole process group: the parent decides what stops; a worker neither dies of it nor
    prints a KeyboardInterrupt traceback."""
    import signal

    engine = ProcessEngine(SeedSwitchedEngine, workers=1)
    try:
        engine.warm(wait=True)
        [pid] = engine.pids
        os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        assert not _reapable(pid, timeout=0.5), "the worker died of SIGINT"
        with pytest.raises(PortraitStudioError, match="not a portrait"):
            engine.run(b"x", PARAMS.replace(seed=FAIL_SEED), lambda p: None)
        assert engine.pids == [pid]
    finally:
        engine.close()
