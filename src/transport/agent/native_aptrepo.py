
# mitorun agent: native apt_key, apt_repository and deb822_repository,
# result for result with ansible-core 2.19's modules. Shipped in the apt
# bundle (after native_apt.py, whose apt child refreshes the cache for
# apt_repository's update_cache): the rest is stdlib, so a target without
# python3-apt (or python3-debian for deb822) still runs them.

import glob as _repo_glob
import secrets as _repo_secrets
import ssl as _repo_ssl
import textwrap as _repo_textwrap
import time as _repo_time
import urllib.error as _repo_urlerror
import urllib.parse as _repo_urlparse
import urllib.request as _repo_urlrequest

REPO_LOCALE_PREFERENCES = ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX")


def repo_best_locale(m):
    """get_best_parsable_locale: the first preferred locale `locale -a`
    lists, else C."""
    tool = find_bin("locale", bin_search_dirs(m.env.get("PATH", "")))
    if not tool:
        return "C"
    rc, out, _err = repo_run(m, [tool, "-a"])
    available = out.strip().splitlines() if rc == 0 else []
    for preferred in REPO_LOCALE_PREFERENCES:
        if preferred in available:
            return preferred
    return "C"


def repo_run(m, args, data=None, binary_data=False, env_update=None):
    """AnsibleModule.run_command: a text command is split as shlex does (no
    shell); data gets a newline unless binary; (rc, stdout, stderr)."""
    argv = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
    env = dict(m.env)
    env.update(env_update or {})
    if data is not None and not isinstance(data, bytes):
        data = data.encode("utf-8", "surrogateescape")
    if data and not binary_data:
        data += b"\n"
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if data else None,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                                env=env)
    except OSError as e:
        m.fail("Error executing command.", rc=e.errno, stdout="", stderr="",
               cmd=" ".join(shlex.quote(a) for a in argv))
    out, err = proc.communicate(data if data else None)
    return (proc.returncode, out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "surrogateescape"))


def repo_required_bin(m, name):
    dirs = bin_search_dirs(m.env.get("PATH", ""))
    found = find_bin(name, dirs)
    if found is None:
        m.fail('Failed to find required executable "%s" in paths: %s' % (name, os.pathsep.join(dirs)))
    return found


def repo_mask_url(url):
    """mask_url: the password of a URL shown as ********."""
    parts = _repo_urlparse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":%s@" % parts.password, ":********@", 1)
    return _repo_urlparse.urlunsplit(parts._replace(netloc=netloc))


def repo_http_get(url, validate_certs=True, headers=None):
    """GET url with urllib (fetch_url's engine): the response, or raises
    urllib's error."""
    context = None
    if url.lower().startswith("https:") and not validate_certs:
        context = _repo_ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = _repo_ssl.CERT_NONE
    request = _repo_urlrequest.Request(url, headers=headers or {})
    return _repo_urlrequest.urlopen(request, None, 10, context=context)


def repo_fetch(m, url, validate_certs=True, headers=None):
    """fetch_url: (body bytes or None, status, msg)."""
    try:
        response = repo_http_get(url, validate_certs, headers)
    except _repo_urlerror.HTTPError as e:
        return None, e.code, "HTTP Error %s: %s" % (e.code, e.reason)
    except _repo_urlerror.URLError as e:
        return None, -1, "Request failed: %s" % e
    except (OSError, ValueError) as e:
        return None, -1, "An unknown error occurred: %s" % e
    return response.read(), response.code, "OK"


# --- apt_key -------------------------------------------------------------

APT_KEY_SPEC = ArgSpec(
    {
        "id": {"type": "str"},
        "url": {"type": "str"},
        "data": {"type": "str"},
        "file": {"type": "path"},
        "keyring": {"type": "path"},
        "validate_certs": {"type": "bool", "default": True},
        "keyserver": {"type": "str"},
        "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    },
    mutually_exclusive=[["data", "file", "keyserver", "url"]],
)

APT_KEY_NO_ERROR = ("apt-key did not return an error, but %s (check that the id is correct and "
                    "*not* a subkey)")


class AptKeyTools(object):
    """The apt-key and gpg binaries, the forced locale, the keyring."""

    def __init__(self, m, keyring):
        self.m = m
        self.keyring = keyring
        self.apt_key = repo_required_bin(m, "apt-key")
        self.gpg = repo_required_bin(m, "gpg")
        self._lang = None

    def lang_env(self):
        if self._lang is None:
            chosen = repo_best_locale(self.m)
            self._lang = {"LANG": chosen, "LC_ALL": chosen, "LC_MESSAGES": chosen,
                          "LANGUAGE": chosen}
        return self._lang

    def apt_key_cmd(self):
        if self.keyring:
            return "%s --keyring %s" % (self.apt_key, self.keyring)
        return self.apt_key

    def listed(self, short_format):
        cmd = "%s adv --list-public-keys --keyid-format=long" % self.apt_key_cmd()
        rc, out, err = repo_run(self.m, cmd)
        if rc != 0:
            self.m.fail("Unable to list public keys", cmd=cmd, rc=rc, stdout=out, stderr=err)
        return apt_key_ids_in(out, short_format)

    def id_from(self, filename, data=None):
        """The first key id gpg sees in a file or in data (stdin)."""
        text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
        armored = text is not None and "-----BEGIN PGP PUBLIC KEY BLOCK-----" in text
        rc, out, err = repo_run(self.m, [self.gpg, "--with-colons", filename],
                                data=text if armored else data, binary_data=not armored,
                                env_update=self.lang_env())
        if rc != 0:
            self.m.fail("Unable to extract key from '%s'"
                        % ("inline data" if data is not None else filename), stdout=out, stderr=err)
        keys = apt_key_ids_in(out, False)
        return keys[0] if keys else None

    def add(self, keyfile, data=None):
        if data is not None:
            cmd = "%s add -" % self.apt_key_cmd()
            rc, out, err = repo_run(self.m, cmd, data=data, binary_data=True)
            if rc != 0:
                self.m.fail("Unable to add a key from binary data", cmd=cmd, rc=rc, stdout=out,
                            stderr=err)
        else:
            cmd = "%s add %s" % (self.apt_key_cmd(), keyfile)
            rc, out, err = repo_run(self.m, cmd)
            if rc != 0:
                self.m.fail("Unable to add a key from file %s" % keyfile, cmd=cmd, rc=rc,
                            keyfile=keyfile, stdout=out, stderr=err)

    def receive(self, keyserver, key_id):
        cmd = "%s adv --no-tty --keyserver %s" % (self.apt_key_cmd(), keyserver)
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            proxy = self.m.env.get(name)
            if proxy:
                cmd += " --keyserver-options http-proxy=%s" % proxy
                break
        cmd = "%s --recv %s" % (cmd, key_id)
        rc, out, err = 1, "", ""
        for _attempt in range(5):
            rc, out, err = repo_run(self.m, cmd, env_update=self.lang_env())
            if rc == 0:
                return
        if rc == 2 and "not found on keyserver" in out:
            self.m.fail("Key %s not found on keyserver %s" % (key_id, keyserver), cmd=cmd,
                        forced_environment=self.lang_env())
        self.m.fail("Error fetching key %s from keyserver: %s" % (key_id, keyserver), cmd=cmd,
                    forced_environment=self.lang_env(), rc=rc, stdout=out, stderr=err)

    def remove(self, key_id):
        cmd = "%s del %s" % (self.apt_key_cmd(), key_id)
        rc, out, err = repo_run(self.m, cmd)
        if rc != 0:
            self.m.fail("Unable to remove a key with id %s" % key_id, cmd=cmd, rc=rc,
                        key_id=key_id, stdout=out, stderr=err)


def apt_key_ids_in(output, short_format):
    """Key ids of the unexpired pub/sub lines of apt-key's listing
    (`pub rsa3072/ID ...`) or gpg's colon format (field 5)."""
    found = []
    for line in output.split("\n"):
        if not (line.startswith("pub") or line.startswith("sub")) or "expired" in line:
            continue
        try:
            size_and_id = line.split()[1]
            _size, code = size_and_id.split("/")
        except (IndexError, ValueError):
            fields = line.split(":")
            if len(fields) < 5:
                continue
            code = fields[4]
        found.append(code)
    if found and short_format:
        found = [k[-8:] for k in found]
    return found


def apt_key_split_id(key_id):
    """(short id, the 16-char id listings show, the whole id), or
    ValueError for what is not an 8, 16 or longer hex id."""
    int(str(key_id), 16)
    key_id = key_id.upper()
    if key_id.startswith("0X"):
        key_id = key_id[2:]
    if len(key_id) not in (8, 16) and len(key_id) <= 16:
        raise ValueError("key_id must be 8, 16, or 16+ hexadecimal characters in length")
    return key_id[-8:], key_id[-16:] if len(key_id) > 16 else key_id, key_id


def apt_key_download(m, p, url):
    try:
        body, status, msg = repo_fetch(m, url, p["validate_certs"])
    except Exception:
        m.fail("Error getting key id from url: %s" % repo_mask_url(url))
    if status != 200:
        m.fail("Failed to download key at %s: %s" % (repo_mask_url(url), msg))
    return body


@native("apt_key")
def native_apt_key(agent, args, header):
    def body(p, m):
        key_id, url, data, filename = p["id"], p["url"], p["data"], p["file"]
        tools = AptKeyTools(m, p["keyring"])
        r = {"changed": False}
        if not key_id:
            if p["keyserver"]:
                m.fail("Missing key_id, required with keyserver.")
            if url:
                data = apt_key_download(m, p, url)
            if filename:
                key_id = tools.id_from(filename)
            elif data:
                key_id = tools.id_from("-", data)
        r["id"] = key_id
        try:
            short_id, fingerprint, key_id = apt_key_split_id(key_id)
        except (ValueError, AttributeError):
            m.fail("Invalid key_id", **r)
        r.update(short_id=short_id, fp=fingerprint, key_id=key_id)
        short_format = len(key_id) == 8
        wanted = short_id if short_format else fingerprint
        r["before"] = keys = tools.listed(short_format)
        if p["state"] == "present":
            if wanted not in keys:
                r["changed"] = True
                if not m.check_mode:
                    if filename:
                        tools.add(filename)
                    elif p["keyserver"]:
                        tools.receive(p["keyserver"], key_id)
                    elif data:
                        tools.add("-", data)
                    elif url:
                        tools.add("-", apt_key_download(m, p, url))
                    else:
                        m.fail("No key to add ... how did i get here?!?!", **r)
                    r["after"] = after = tools.listed(short_format)
                    if wanted not in after:
                        m.fail(APT_KEY_NO_ERROR % "failed to add the key", **r)
        elif fingerprint in keys:
            r["changed"] = True
            if not m.check_mode:
                tools.remove(short_id)
                r["after"] = after = tools.listed(short_format)
                if fingerprint in after:
                    m.fail(APT_KEY_NO_ERROR % "the key was not removed", **r)
        return r
    return run_module_body("apt_key", APT_KEY_SPEC, args, header, body)


# --- apt_repository ----------------------------------------------------------

APT_REPOSITORY_SPEC = ArgSpec({
    "repo": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    "mode": {"type": "raw"},
    "update_cache": {"type": "bool", "default": True, "aliases": ["update-cache"]},
    "update_cache_retries": {"type": "int", "default": 5},
    "update_cache_retry_max_delay": {"type": "int", "default": 12},
    "filename": {"type": "str"},
    "install_python_apt": {"type": "bool", "default": True},
    "validate_certs": {"type": "bool", "default": True},
    "codename": {"type": "str"},
})

REPO_SOURCE_TYPES = ("deb", "deb-src")
REPO_KEY_DIRS = ["/etc/apt/keyrings", "/etc/apt/trusted.gpg.d", "/usr/share/keyrings"]
REPO_PPA_API = "https://api.launchpad.net/1.0/~%s/+archive/%s"
REPO_PPA_URI = "https://ppa.launchpadcontent.net"


class RepoInvalidSource(Exception):
    pass


def repo_apt_dirs(m):
    """apt's Dir::Etc::sourcelist (as a file) and Dir::Etc::sourceparts (as
    a dir, with its trailing slash), as apt-config reads them (APT_CONFIG
    in the task's environment counts)."""
    found = {"SL": "/etc/apt/sources.list", "SP": "/etc/apt/sources.list.d/"}
    tool = find_bin("apt-config", bin_search_dirs(m.env.get("PATH", "")))
    if tool:
        rc, out, _err = repo_run(m, [tool, "shell", "SL", "Dir::Etc::sourcelist/f",
                                     "SP", "Dir::Etc::sourceparts/d"])
        if rc == 0:
            for line in out.splitlines():
                name, _eq, value = line.partition("=")
                words = shlex.split(value) if value else []
                if name in found and words:
                    found[name] = words[0]
    return found["SL"], found["SP"]


def repo_parse_line(line, strict=False):
    """(valid, enabled, source, comment) of one sources.list line; strict
    raises for a line that is not an enabled deb/deb-src source."""
    valid, enabled, comment = False, True, ""
    line = line.strip()
    if line.startswith("#"):
        enabled = False
        line = line[1:]
    hash_at = line.find("#")
    if hash_at > 0:
        comment = line[hash_at + 1:].strip()
        line = line[:hash_at]
    source = line.strip()
    if source:
        words = source.split()
        if words[0] in REPO_SOURCE_TYPES:
            valid = True
            source = " ".join(words)
    if strict and (not valid or not enabled):
        raise RepoInvalidSource(line)
    return valid, enabled, source, comment


def repo_render_line(enabled, source, comment):
    text = ("" if enabled else "# ") + source
    if comment:
        text += " # " + comment
    return text + "\n"


class RepoSources(object):
    """sources.list and sources.list.d/*.list as lists of parsed lines
    (line number, valid, enabled, source, comment) by file, changed in
    memory and saved back whole, the way ansible's module keeps them (its
    quirks included: entries keep their first line number as the index
    they are changed and removed by)."""

    def __init__(self, m, params, codename):
        self.m = m
        self.params = params
        self.codename = codename
        self.files = {}
        self.links = {}
        self.new_repos = set()
        self.default_file, self.sources_dir = repo_apt_dirs(m)
        if os.path.isfile(self.default_file):
            self.load(self.default_file)
        for path in _repo_glob.iglob("%s/*.list" % self.sources_dir):
            if os.path.islink(path):
                self.links[path] = os.readlink(path)
            self.load(path)

    def load(self, path):
        entries = []
        with open(path, "r") as f:
            for n, line in enumerate(f):
                entries.append((n,) + repo_parse_line(line))
        self.files[path] = entries

    def valid_entries(self):
        for path, entries in self.files.items():
            for n, valid, enabled, source, comment in entries:
                if valid:
                    yield path, n, enabled, source, comment

    def dump(self):
        out = {}
        for path, entries in self.files.items():
            if entries:
                out[path] = "".join(repo_render_line(e[2], e[3], e[4]) for e in entries)
        return out

    def suggest_filename(self, line):
        line = re.sub(r"\[[^\]]+\]", "", line)
        line = re.sub(r"\w+://", "", line)
        parts = [w for w in line.split() if w not in REPO_SOURCE_TYPES]
        if "@" in parts[0]:
            parts[0] = parts[0].split("@", 1)[-1]
        if self.params["filename"] is not None:
            return "%s.list" % self.params["filename"]
        return "%s.list" % "_".join(re.sub("[^a-zA-Z0-9]", " ", " ".join(parts[:1])).split())

    def expand_path(self, filename):
        if "/" in filename:
            return filename
        return os.path.abspath(os.path.join(self.sources_dir, filename))

    def add_valid(self, source_new, comment_new, filename):
        found = False
        for path, n, enabled, source, comment in list(self.valid_entries()):
            if source == source_new:
                valid, _e, src, com = self.files[path][n][1:]
                self.files[path][n] = (n, valid, True, src, com)
                found = True
        if not found:
            path = self.default_file if filename is None else self.expand_path(filename)
            entries = self.files.setdefault(path, [])
            entries.append((len(entries), True, True, source_new, comment_new))
            self.new_repos.add(path)

    def expand_ppa(self, line):
        ppa = line.split(":")[1]
        owner = ppa.split("/")[0]
        try:
            name = ppa.split("/")[1]
        except IndexError:
            name = "ppa"
        return ("deb %s/%s/%s/ubuntu %s main" % (REPO_PPA_URI, owner, name, self.codename),
                owner, name)

    def enabled_sources(self):
        urls = []
        for entries in self.files.values():
            for _n, valid, enabled, source, _c in entries:
                if valid and enabled:
                    urls.append(self.expand_ppa(source)[0] if source.startswith("ppa:") else source)
        return urls

    def add(self, line):
        if line.startswith("ppa:"):
            source, owner, name = self.expand_ppa(line)
            if source in self.enabled_sources():
                return
            self.add_ppa_key(source, owner, name)
            filename = self.suggest_filename("%s_%s" % (line, self.codename))
        else:
            source = repo_parse_line(line, strict=True)[2]
            filename = self.suggest_filename(source)
        self.add_valid(source, "", filename)

    def add_ppa_key(self, source, owner, name):
        m = self.m
        body, status, msg = repo_fetch(m, REPO_PPA_API % (owner, name), self.params["validate_certs"],
                                       {"Accept": "application/json"})
        if status != 200:
            m.fail("failed to fetch PPA information, error was: %s" % msg)
        fingerprint = json.loads(body.decode("utf-8"))["signing_key_fingerprint"]
        path = bin_search_dirs(m.env.get("PATH", ""))
        apt_key, gpg = find_bin("apt-key", path), find_bin("gpg", path)
        if apt_key:
            chosen = repo_best_locale(m)
            env = dict((k, chosen) for k in ("LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANGUAGE"))
            rc, out, err = repo_run(m, [apt_key, "export", fingerprint], env_update=env)
            if rc != 0:
                m.fail(err.rstrip(), cmd="%s export %s" % (apt_key, fingerprint), rc=rc, stdout=out,
                       stderr=err)
            if not err or "nothing exported" not in err:
                return
        elif self.gpg_key_exists(gpg, fingerprint):
            return
        if m.check_mode:
            return
        keyfile = ""
        if apt_key:
            command = [apt_key, "adv", "--recv-keys", "--no-tty", "--keyserver",
                       "hkp://keyserver.ubuntu.com:80", fingerprint]
        else:
            keydir = next((d for d in REPO_KEY_DIRS if os.path.exists(d)), None)
            if keydir is None:
                m.fail("Unable to find any existing apt gpgp repo directories, tried the following: %s"
                       % ", ".join(REPO_KEY_DIRS))
            keyfile = "%s/%s-%s-%s.gpg" % (keydir, os.path.basename(source).replace(" ", "-"),
                                           owner, name)
            command = [gpg, "--no-tty", "--keyserver", "hkp://keyserver.ubuntu.com:80", "--export",
                       fingerprint]
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=m.env)
        err = proc.stderr.decode("utf-8", "surrogateescape")
        if proc.returncode != 0:
            m.fail(err.rstrip(), cmd=" ".join(shlex.quote(a) for a in command), rc=proc.returncode,
                   stdout=proc.stdout.decode("utf-8", "surrogateescape"), stderr=err)
        if keyfile:
            if not proc.stdout:
                m.fail("Unable to get required signing key", rc=proc.returncode, stderr=err,
                       command=command)
            with open(keyfile, "wb") as f:
                f.write(proc.stdout)

    def gpg_key_exists(self, gpg, fingerprint):
        keyfiles = ["/etc/apt/trusted.gpg"]
        for d in REPO_KEY_DIRS:
            keyfiles.extend(os.path.join(d, x) for x in os.listdir(d) if not x.startswith("."))
        for keyfile in keyfiles:
            if os.path.exists(keyfile):
                rc, out, _err = repo_run(self.m, [gpg, "--list-packets", keyfile])
                if fingerprint in out:
                    return True
        return False

    def remove(self, line):
        if line.startswith("ppa:"):
            source = self.expand_ppa(line)[0]
        else:
            source = repo_parse_line(line, strict=True)[2]
        # Entries are popped by their first line number while the same
        # list is walked, as ansible's module does: after one removal the
        # numbers no longer match positions (its results follow that).
        for path, entries in self.files.items():
            for n, valid, enabled, src, _comment in entries:
                if valid and src == source and enabled:
                    entries.pop(n)

    def save(self):
        for path, entries in list(self.files.items()):
            if not entries:
                del self.files[path]
                if os.path.exists(path):
                    os.remove(path)
                continue
            directory, name = os.path.split(path)
            try:
                os.makedirs(directory)
            except OSError as e:
                if not os.path.isdir(directory):
                    self.m.fail("Failed to create directory %s: %s" % (directory, e))
            try:
                fd, tmp = tempfile.mkstemp(prefix=".%s-" % name, dir=directory)
            except OSError as e:
                raise Exception("Unable to create temp file at %r for apt source." % directory) from e
            with os.fdopen(fd, "w") as f:
                for _n, _valid, enabled, source, comment in entries:
                    f.write(repo_render_line(enabled, source, comment))
            atomic_move(self.m, tmp, self.links.get(path, path))
            if path in self.new_repos:
                self.m.set_mode_if_different(path, self.params["mode"], False)

    def fresh_copy(self):
        return RepoSources(self.m, self.params, self.codename)


def repo_os_codename():
    """The release codename aptsources reads (VERSION_CODENAME, else
    lsb_release's)."""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                name, _eq, value = line.strip().partition("=")
                if name == "VERSION_CODENAME":
                    words = shlex.split(value)
                    return words[0] if words else ""
    except OSError:
        pass
    return None


def repo_revert(before, after, saved):
    for path in set(after).difference(before):
        if os.path.exists(path):
            os.remove(path)
    saved.save()


def repo_update_cache(m, p):
    """apt.Cache().update() with the module's retries, in the apt child;
    None or the failure message."""
    request = {"op": "update_cache", "params": {"retries": p["update_cache_retries"],
                                                "max_delay": p["update_cache_retry_max_delay"]},
               "check_mode": False, "diff": False, "boot": APT_CHILD_BOOT}
    answer = apt_child_answer(request, m.env)
    for w in answer.get("warnings") or []:
        m.warn(w)
    result = answer["result"]
    return result.get("msg") if result.get("failed") else None


@native("apt_repository")
def native_apt_repository(agent, args, header):
    def body(p, m):
        if not p["repo"]:
            m.fail("Please set argument 'repo' to a non-empty value")
        sources = RepoSources(m, p, p["codename"] or repo_os_codename())
        saved = sources.fresh_copy()
        before = sources.dump()
        try:
            if p["state"] == "present":
                sources.add(p["repo"])
            else:
                sources.remove(p["repo"])
        except RepoInvalidSource as e:
            m.fail("Invalid repository string: %s" % e)
        after = sources.dump()
        changed = before != after
        diff = []
        added, removed = set(), set()
        if changed:
            added = set(after).difference(before)
            removed = set(before).difference(after)
            if m.diff:
                for path in added.union(removed):
                    diff.append({"before": before.get(path, ""), "after": after.get(path, ""),
                                 "before_header": path if path in before else "/dev/null",
                                 "after_header": path if path in after else "/dev/null"})
        if changed and not m.check_mode:
            try:
                sources.save()
                if p["update_cache"]:
                    failure = repo_update_cache(m, p)
                    if failure is not None:
                        repo_revert(before, after, saved)
                        m.fail(failure)
            except OSError:
                repo_revert(before, after, saved)
                raise
        return {"changed": changed, "repo": p["repo"], "sources_added": sorted(added),
                "sources_removed": sorted(removed), "state": p["state"], "diff": diff}
    return run_module_body("apt_repository", APT_REPOSITORY_SPEC, args, header, body)


# --- deb822_repository -------------------------------------------------------

DEB822_SPEC = ArgSpec({
    "allow_downgrade_to_insecure": {"type": "bool"},
    "allow_insecure": {"type": "bool"},
    "allow_weak": {"type": "bool"},
    "architectures": {"elements": "str", "type": "list"},
    "by_hash": {"type": "bool"},
    "check_date": {"type": "bool"},
    "check_valid_until": {"type": "bool"},
    "components": {"elements": "str", "type": "list"},
    "date_max_future": {"type": "int"},
    "enabled": {"type": "bool"},
    "inrelease_path": {"type": "str"},
    "languages": {"elements": "str", "type": "list"},
    "name": {"type": "str", "required": True},
    "pdiffs": {"type": "bool"},
    "signed_by": {"type": "str"},
    "suites": {"elements": "str", "type": "list"},
    "targets": {"elements": "str", "type": "list"},
    "trusted": {"type": "bool"},
    "types": {"choices": ["deb", "deb-src"], "elements": "str", "type": "list",
              "default": ["deb"]},
    "uris": {"elements": "str", "type": "list"},
    "mode": {"type": "raw", "default": "0644"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
})

DEB822_KEYRINGS_DIR = "/etc/apt/keyrings"
DEB822_SOURCES_DIR = "/etc/apt/sources.list.d"


def deb822_field_name(key):
    if key == "name":
        return "X-Repolib-Name"
    if key == "uris":
        return "URIs"
    return key.replace("_", "-").title()


def deb822_multiline(value):
    """A multi-line field value: continuation lines indented four spaces,
    blank ones written as `.`."""
    lines = [line.strip() or "." for line in value.strip().splitlines()]
    return "\n" + _repo_textwrap.indent("\n".join(lines), "    ")


def deb822_sha256(path):
    if not os.path.exists(path):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()


def deb822_keyrings_dir(m):
    changed = False
    if not os.path.isdir(DEB822_KEYRINGS_DIR):
        if not m.check_mode:
            os.mkdir(DEB822_KEYRINGS_DIR, 0o755)
        changed = True
    return m.set_fs_attributes_if_different(
        {"path": DEB822_KEYRINGS_DIR, "owner": "root", "group": "root", "mode": "0755",
         "attributes": None}, changed)


def deb822_signed_by(m, value, slug):
    """(changed, key file, inline key): a path is used as it is, a URL is
    fetched into /etc/apt/keyrings/<slug>.asc|gpg, anything else is key
    text for the field."""
    changed = False
    if os.path.isfile(value):
        return changed, value, None
    if not _repo_urlparse.urlparse(value).scheme:
        return changed, None, value
    try:
        data = repo_http_get(value).read()
    except Exception as e:
        raise RuntimeError(str(e)) from e
    if not data:
        return changed, value, None
    fd, tmp = tempfile.mkstemp(dir=m.tmpdir)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    ext = "asc" if b"-----BEGIN PGP PUBLIC KEY BLOCK-----" in data else "gpg"
    filename = os.path.join(DEB822_KEYRINGS_DIR, "%s.%s" % (slug, ext))
    if deb822_sha256(tmp) != deb822_sha256(filename):
        changed |= deb822_keyrings_dir(m)
        if not m.check_mode:
            atomic_move(m, tmp, filename)
        changed = True
    changed |= m.set_mode_if_different(filename, 0o644, False)
    return changed, filename, None


@native("deb822_repository")
def native_deb822_repository(agent, args, header):
    def body(p, m):
        params = dict(p)
        mode = params.pop("mode")
        state = params.pop("state")
        slug = re.sub(r"[^a-z0-9-]+", "", re.sub(r"[_\s]+", "-", params["name"].lower()))
        sources_filename = os.path.join(DEB822_SOURCES_DIR, "%s.sources" % slug)
        changed = False
        if state == "absent":
            if os.path.exists(sources_filename):
                if not m.check_mode:
                    os.unlink(sources_filename)
                changed = True
            key_filename = None
            for ext in ("asc", "gpg"):
                key_filename = os.path.join(DEB822_KEYRINGS_DIR, "%s.%s" % (slug, ext))
                if os.path.exists(key_filename):
                    if not m.check_mode:
                        os.unlink(key_filename)
                    changed = True
            return {"repo": None, "changed": changed, "dest": sources_filename,
                    "key_filename": key_filename}
        fields = []
        key_filename = None
        for key, value in sorted(params.items()):
            if value is None:
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, int):
                value = str(value)
            elif isinstance(value, (list, tuple)):
                value = " ".join(value)
            elif key == "signed_by":
                try:
                    key_changed, key_filename, inline = deb822_signed_by(m, value, slug)
                except RuntimeError as e:
                    m.fail("Could not fetch signed_by key: %s" % e)
                value = key_filename or inline
                changed |= key_changed
            if "\n" in value:
                value = deb822_multiline(value)
            fields.append((deb822_field_name(key), value))
        repo = "".join("%s:%s\n" % (name, value) if not value or value.startswith("\n")
                       else "%s: %s\n" % (name, value) for name, value in fields)
        fd, tmp = tempfile.mkstemp(dir=m.tmpdir)
        with os.fdopen(fd, "wb") as f:
            f.write(repo.encode("utf-8", "surrogateescape"))
        if deb822_sha256(tmp) != deb822_sha256(sources_filename):
            if not m.check_mode:
                atomic_move(m, tmp, sources_filename)
            changed = True
        changed |= m.set_mode_if_different(sources_filename, mode, False)
        return {"repo": repo, "changed": changed, "dest": sources_filename,
                "key_filename": key_filename}
    return run_module_body("deb822_repository", DEB822_SPEC, args, header, body)
