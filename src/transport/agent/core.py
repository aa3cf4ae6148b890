# mitorun agent: core (framing, routing, children, call dispatch).
#
# This file and its siblings are concatenated by the controller
# (src/transport/bootstrap.rs) into one source, compressed, and executed by
# the first stage on the target. Python 3.6+ standard library only.
#
# Frame layout (big endian), identical in both directions:
#   u32 length of everything after this field
#   u32 dst context, u32 src context, u32 request id, u8 kind,
#   u32 header length, header (UTF-8 JSON object), raw payload bytes.

import errno
import fcntl
import hashlib
import json
import os
import queue
import select
import signal
import struct
import sys
import threading
import time
import traceback

HELLO, CALL, REPLY, DATA, ACK, CODE, GET_CODE, SPAWN, DISCONNECT, SHUTDOWN, LOG = range(1, 12)
FRAME_HEAD = struct.Struct(">IIIIBI")
MAX_FRAME = 64 * 1024 * 1024
CHUNK = 128 * 1024
WINDOW = 32  # chunks in flight per transfer; the controller's WINDOW
S1_MARKER = b"MITORUN-S1\n"
HELLO_MAGIC = b"\x00MITORUN-HELLO\x00"

# Set by the first stage: the compressed agent source, re-sent to children.
AGENT_BLOB = globals().get("Z")


class ProtocolError(Exception):
    pass


class CallFailed(Exception):
    """A call failed in a way the controller reports as a task failure."""


def encode_frame(dst, src, req, kind, header, payload=b""):
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    length = FRAME_HEAD.size - 4 + len(h) + len(payload)
    return FRAME_HEAD.pack(length, dst, src, req, kind, len(h)) + h + payload


def read_exact(fd, n):
    chunks = []
    while n:
        try:
            c = os.read(fd, min(n, 1 << 20))
        except InterruptedError:
            continue
        if not c:
            return None
        chunks.append(c)
        n -= len(c)
    return b"".join(chunks)


def read_frame(fd):
    """One frame from fd, or None at EOF. Malformed frames raise."""
    head = read_exact(fd, FRAME_HEAD.size)
    if head is None:
        return None
    length, dst, src, req, kind, hlen = FRAME_HEAD.unpack(head)
    if length > MAX_FRAME or hlen > length - (FRAME_HEAD.size - 4):
        raise ProtocolError("bad frame length %d/%d" % (length, hlen))
    body = read_exact(fd, length - (FRAME_HEAD.size - 4))
    if body is None:
        raise ProtocolError("truncated frame")
    try:
        header = json.loads(body[:hlen].decode("utf-8")) if hlen else {}
    except ValueError:
        raise ProtocolError("bad frame header")
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not an object")
    return dst, src, req, kind, header, body[hlen:]


def write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[n:]


def set_cloexec(fd):
    flags = fcntl.fcntl(fd, fcntl.F_GETFD)
    fcntl.fcntl(fd, fcntl.F_SETFD, flags | fcntl.FD_CLOEXEC)


def take_stdio():
    """Move the stream fds away from 0/1 so nothing a module prints, and no
    subprocess inheriting fds, can touch the framed stream."""
    rfd = os.dup(0)
    wfd = os.dup(1)
    set_cloexec(rfd)
    set_cloexec(wfd)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    return rfd, wfd


class CodeCache(object):
    """Module and module_utils sources by content hash (SHA-1 hex)."""

    def __init__(self):
        self.by_hash = {}
        self.lock = threading.Lock()

    def store_frame(self, header, payload):
        pos = 0
        with self.lock:
            for name, digest, is_pkg, size in header.get("items", []):
                blob = payload[pos:pos + size]
                pos += size
                self.by_hash[digest] = (name, bool(is_pkg), blob)

    def missing(self, digests):
        with self.lock:
            return [d for d in digests if d not in self.by_hash]

    def get(self, digest):
        with self.lock:
            return self.by_hash.get(digest)

    def frame_for(self, digests):
        items = []
        blobs = []
        with self.lock:
            for d in digests:
                entry = self.by_hash.get(d)
                if entry is not None:
                    name, is_pkg, blob = entry
                    items.append([name, d, is_pkg, len(blob)])
                    blobs.append(blob)
        return {"items": items}, b"".join(blobs)


class Child(object):
    """A child agent (become or via hop) and the ids routed through it."""

    def __init__(self, ctx_id, proc, wfd, rfd):
        self.ctx_id = ctx_id
        self.proc = proc
        self.wfd = wfd
        self.rfd = rfd
        self.lock = threading.Lock()
        self.subtree = set([ctx_id])
        self.hello = None
        self.master = None

    def send(self, frame):
        with self.lock:
            write_all(self.wfd, frame)


class Agent(object):
    def __init__(self, config, rfd, wfd):
        self.config = config
        self.my_id = int(config["id"])
        self.parent_id = int(config["parent"])
        self.rfd = rfd
        self.wfd = wfd
        self.up_lock = threading.Lock()
        self.routes = {}
        self.routes_lock = threading.Lock()
        self.streams = {}
        self.streams_lock = threading.Lock()
        # Calls waiting in named queues (CALL header "queue"), by name; a
        # name is present while a thread drains it.
        self.queues = {}
        self.queues_lock = threading.Lock()
        # Queues in which a "must_succeed" call failed, until a call marked
        # "queue_end" has run: their calls marked "after_ok" are not run.
        self.failed_queues = set()
        self.local_req = 0x80000000
        self.local_pending = {}
        self.code = CodeCache()
        self.module_lock = threading.Lock()
        self.children = []
        self.tmpdir = None
        try:
            self.cwd = os.getcwd()
        except OSError:
            self.cwd = "/"
        self.shutting_down = False

    # -- sending ---------------------------------------------------------
    def send_up(self, frame):
        with self.up_lock:
            write_all(self.wfd, frame)

    def reply(self, src, req, header, payload=b""):
        self.send_up(encode_frame(src, self.my_id, req, REPLY, header, payload))

    def send_to(self, dst, req, kind, header, payload=b""):
        """Send a frame originated here to dst (a child subtree or upward)."""
        frame = encode_frame(dst, self.my_id, req, kind, header, payload)
        child = self.route(dst)
        if child is not None:
            child.send(frame)
        else:
            self.send_up(frame)

    def route(self, dst):
        with self.routes_lock:
            return self.routes.get(dst)

    # -- streams (DATA/ACK for a request in progress) ----------------------
    def open_stream(self, req):
        q = queue.Queue()
        with self.streams_lock:
            self.streams[req] = q
        return q

    def close_stream(self, req):
        with self.streams_lock:
            self.streams.pop(req, None)

    def deliver(self, req, item):
        with self.streams_lock:
            q = self.streams.get(req)
        if q is not None:
            q.put(item)

    # -- requests this agent makes of its parent ----------------------------
    def ask_parent(self, kind, header, payload=b"", timeout=120):
        with self.streams_lock:
            self.local_req += 1
            req = self.local_req
            q = queue.Queue()
            self.local_pending[req] = q
        try:
            self.send_up(encode_frame(self.parent_id, self.my_id, req, kind, header, payload))
            return q.get(timeout=timeout)
        finally:
            with self.streams_lock:
                self.local_pending.pop(req, None)

    def fetch_code(self, digests):
        """Make sure every digest is cached, asking the parent for the rest."""
        missing = self.code.missing(digests)
        if not missing:
            return
        if self.parent_id == 0:
            raise CallFailed("module code %s was never sent to this context" % missing[:3])
        header, payload = self.ask_parent(GET_CODE, {"hashes": missing})
        if not header.get("ok"):
            raise CallFailed(header.get("error", "code fetch failed"))
        self.code.store_frame(header, payload)
        still = self.code.missing(digests)
        if still:
            raise CallFailed("parent does not have module code %s" % still[:3])

    # -- main loop ---------------------------------------------------------
    def serve(self):
        while True:
            try:
                frame = read_frame(self.rfd)
            except ProtocolError as e:
                log_stderr("upstream protocol error: %s" % e)
                break
            if frame is None:
                break
            dst, src, req, kind, header, payload = frame
            if dst == self.my_id:
                if kind == SHUTDOWN:
                    break
                self.dispatch(src, req, kind, header, payload)
                continue
            child = self.route(dst)
            if child is None:
                if kind == CALL or kind == SPAWN:
                    self.reply(src, req, {"ok": False, "unreachable": True,
                                          "error": "no route to context %d" % dst})
                continue
            if kind == SPAWN:
                with self.routes_lock:
                    new_id = int(header.get("id", 0))
                    if new_id and new_id not in self.routes:
                        self.routes[new_id] = child
                        child.subtree.add(new_id)
            elif kind == CODE:
                self.code.store_frame(header, payload)
            try:
                child.send(encode_frame(dst, src, req, kind, header, payload))
            except OSError:
                pass  # the child's reader reports the disconnect

    def dispatch(self, src, req, kind, header, payload):
        if kind == CALL:
            if header.get("fn") in STREAM_CALLS and not header.get("inline"):
                self.open_stream(req)  # before any DATA frame can arrive
            queue_name = header.get("queue")
            if queue_name is not None:
                self.enqueue_call(str(queue_name), (src, req, header, payload))
                return
            t = threading.Thread(target=self.run_call, args=(src, req, header, payload))
            t.daemon = True
            t.start()
        elif kind == DATA or kind == ACK:
            self.deliver(req, (kind, header, payload))
        elif kind == CODE:
            self.code.store_frame(header, payload)
        elif kind == SPAWN:
            t = threading.Thread(target=self.run_spawn, args=(src, req, header))
            t.daemon = True
            t.start()
        elif kind == REPLY:
            with self.streams_lock:
                q = self.local_pending.get(req)
            if q is not None:
                q.put((header, payload))

    def enqueue_call(self, name, call):
        """Calls naming one queue run one after another in the order they
        arrived (the controller sends a loop's items together and awaits
        their results together: one round trip for the loop, the items
        still run in order). One thread per busy queue. A call marked
        "after_ok" is not run (it fails) once a call of its queue marked
        "must_succeed" failed, until one marked "queue_end" ends the group
        (a task's temp dir, uploads, module and cleanup sent together)."""
        with self.queues_lock:
            waiting = self.queues.get(name)
            if waiting is not None:
                waiting.append(call)
                return
            self.queues[name] = [call]
        t = threading.Thread(target=self.drain_queue, args=(name,))
        t.daemon = True
        t.start()

    def drain_queue(self, name):
        while True:
            with self.queues_lock:
                waiting = self.queues[name]
                if not waiting:
                    del self.queues[name]
                    return
                call = waiting.pop(0)
                skip = call[2].get("after_ok") and name in self.failed_queues
            try:
                if skip:
                    src, req = call[0], call[1]
                    self.close_stream(req)
                    self.reply(src, req, {"ok": False,
                                          "error": "not run: an earlier call of its queue failed"})
                    ok = False
                else:
                    ok = self.run_call(*call)
            except Exception:
                ok = False  # its reply could not be sent: the stream is gone
            with self.queues_lock:
                if call[2].get("queue_end"):
                    self.failed_queues.discard(name)
                elif not ok and call[2].get("must_succeed"):
                    self.failed_queues.add(name)

    def run_call(self, src, req, header, payload):
        """Run a call and reply; True when it succeeded (a module that
        failed is a successful call)."""
        fn_name = header.get("fn")
        fn = CALLS.get(fn_name)
        try:
            if fn is None:
                raise CallFailed("unknown call %r" % (fn_name,))
            out = fn(self, src, req, header, payload)
            if out is None:
                return True  # the call replied itself (streams)
            rh, rp = out
            rh["ok"] = True
            self.reply(src, req, rh, rp)
            return True
        except CallFailed as e:
            self.reply(src, req, {"ok": False, "error": str(e)})
        except Exception as e:
            self.reply(src, req, {"ok": False, "error": "%s: %s" % (type(e).__name__, e),
                                  "traceback": traceback.format_exc()})
        return False

    # -- children ------------------------------------------------------------
    def run_spawn(self, src, req, header):
        try:
            child, hello = spawn_child(self, header)
        except CallFailed as e:
            self.reply(src, req, {"ok": False, "error": str(e)})
            return
        except Exception as e:
            self.reply(src, req, {"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
            return
        with self.routes_lock:
            self.routes[child.ctx_id] = child
            self.children.append(child)
        t = threading.Thread(target=self.child_reader, args=(child,))
        t.daemon = True
        t.start()
        self.reply(src, req, {"ok": True, "hello": hello})

    def child_reader(self, child):
        while True:
            try:
                frame = read_frame(child.rfd)
            except (ProtocolError, OSError) as e:
                log_stderr("child %d: %s" % (child.ctx_id, e))
                frame = None
            if frame is None:
                break
            dst, src, req, kind, header, payload = frame
            if src not in child.subtree:
                continue  # a child may only speak for its own subtree
            if dst == self.my_id:
                if kind == GET_CODE:
                    t = threading.Thread(target=self.serve_code, args=(child, src, req, header))
                    t.daemon = True
                    t.start()
                elif kind == DISCONNECT:
                    gone = int(header.get("id", 0))
                    with self.routes_lock:
                        if self.routes.get(gone) is child and gone != child.ctx_id:
                            del self.routes[gone]
                            child.subtree.discard(gone)
                    self.send_up(encode_frame(0, self.my_id, 0, DISCONNECT, {"id": gone}))
                continue
            try:
                self.send_up(encode_frame(dst, src, req, kind, header, payload))
            except OSError:
                break
        with self.routes_lock:
            for ctx in list(child.subtree):
                if self.routes.get(ctx) is child:
                    del self.routes[ctx]
            if child in self.children:
                self.children.remove(child)
        reap(child)
        if not self.shutting_down:
            for ctx in sorted(child.subtree):
                try:
                    self.send_up(encode_frame(0, self.my_id, 0, DISCONNECT, {"id": ctx}))
                except OSError:
                    pass

    def serve_code(self, child, src, req, header):
        digests = [str(d) for d in header.get("hashes", [])]
        try:
            self.fetch_code(digests)
            h, p = self.code.frame_for(digests)
            h["ok"] = True
        except Exception as e:
            h, p = {"ok": False, "error": str(e)}, b""
        try:
            child.send(encode_frame(src, self.my_id, req, REPLY, h, p))
        except OSError:
            pass

    def shutdown(self):
        self.shutting_down = True
        with self.routes_lock:
            children = list(self.children)
        for child in children:
            try:
                child.send(encode_frame(child.ctx_id, self.my_id, 0, SHUTDOWN, {}))
            except OSError:
                pass
        deadline = time.time() + 2
        for child in children:
            while child.proc.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            if child.proc.poll() is None:
                try:
                    child.proc.kill()
                except OSError:
                    pass
        remove_tmpdir(self.tmpdir)


def reap(child):
    for fd in (child.rfd, child.wfd, child.master):
        if fd is None:
            continue
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        child.proc.wait(timeout=5)
    except Exception:
        try:
            child.proc.kill()
        except OSError:
            pass


# Where LOG frames go: set by main() when the controller asked for them
# (PoolOptions::log), with the pid that may send (a forked module runner
# must never write to the shared stream).
LOG_TO = {"agent": None, "pid": None}


def agent_log(msg, level="debug"):
    """A LOG frame to the controller (shown at -vvv), when it listens."""
    agent = LOG_TO["agent"]
    if agent is None or os.getpid() != LOG_TO["pid"]:
        return False
    try:
        agent.send_to(0, 0, LOG, {"level": level, "msg": str(msg), "pid": os.getpid()})
        return True
    except Exception:
        return False


def log_stderr(msg):
    if agent_log(msg, "warning"):
        return
    try:
        os.write(2, ("mitorun agent[%d]: %s\n" % (os.getpid(), msg)).encode("utf-8", "replace"))
    except OSError:
        pass


# Call table, filled by the other agent files: name -> fn(agent, src, req,
# header, payload) returning (reply header, reply payload) or None.
CALLS = {}


def call(name):
    def register(fn):
        CALLS[name] = fn
        return fn
    return register


@call("ping")
def call_ping(agent, src, req, header, payload):
    return {"pid": os.getpid()}, payload


@call("stop_child")
def call_stop_child(agent, src, req, header, payload):
    """Stop the child interpreter `ctx` (a become child) and reply once its
    process has gone: the account it ran as can then be removed (userdel
    refuses a user who still has processes)."""
    ctx = int(header.get("ctx", 0))
    with agent.routes_lock:
        child = next((c for c in agent.children if c.ctx_id == ctx), None)
    if child is None:
        return {"stopped": False}, b""
    try:
        child.send(encode_frame(ctx, agent.my_id, 0, SHUTDOWN, {}))
    except OSError:
        pass
    deadline = time.time() + 5
    while child.proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    if child.proc.poll() is None:
        try:
            child.proc.kill()
            child.proc.wait(timeout=5)
        except Exception:
            pass
    return {"stopped": True}, b""
