# mitorun agent: native user and group for Linux targets with shadow-utils,
# result for result with ansible-core 2.19's modules (their generic/Linux
# classes): the same useradd/usermod/userdel/chage/groupadd/groupmod/
# groupdel command lines decided from the same lookups (pwd, grp, the
# shadow entry through libc's getspnam), the same check-mode answers,
# warnings and failure messages. `local: true` drives libuser's tools
# instead (luseradd/lusermod/luserdel/lchage, lgroupadd/lgroupmod/
# lgroupdel), reading /etc/passwd and /etc/group for whether the account
# exists locally, as ansible does. Other systems run ansible-core's module
# (the controller routes them: modules::LINUX_ONLY). Shipped with the
# first user/group call (modules::native_code), not part of every agent.

import ctypes as _user_ctypes
import ctypes.util as _user_ctypes_util
import math as _user_math
import pty as _user_pty
import select as _user_select
import socket as _user_socket
import time as _user_time


def user_spec():
    """ansible's argument spec for user, in its order (it decides the order
    of `invocation.module_args`); the key comment default names this host."""
    return ArgSpec({
        "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
        "name": {"type": "str", "required": True, "aliases": ["user"]},
        "uid": {"type": "int"},
        "non_unique": {"type": "bool", "default": False},
        "group": {"type": "str"},
        "groups": {"type": "list", "elements": "str"},
        "comment": {"type": "str"},
        "home": {"type": "path"},
        "shell": {"type": "path"},
        "password": {"type": "str", "no_log": True},
        "login_class": {"type": "str"},
        "password_expire_max": {"type": "int", "no_log": False},
        "password_expire_min": {"type": "int", "no_log": False},
        "password_expire_warn": {"type": "int", "no_log": False},
        "hidden": {"type": "bool"},
        "seuser": {"type": "str"},
        "force": {"type": "bool", "default": False},
        "remove": {"type": "bool", "default": False},
        "create_home": {"type": "bool", "default": True, "aliases": ["createhome"]},
        "skeleton": {"type": "str"},
        "system": {"type": "bool", "default": False},
        "move_home": {"type": "bool", "default": False},
        "append": {"type": "bool", "default": False},
        "generate_ssh_key": {"type": "bool"},
        "ssh_key_bits": {"type": "int", "default": 0},
        "ssh_key_type": {"type": "str", "default": "rsa"},
        "ssh_key_file": {"type": "path"},
        "ssh_key_comment": {"type": "str",
                            "default": "ansible-generated on %s" % _user_socket.gethostname()},
        "ssh_key_passphrase": {"type": "str", "no_log": True},
        "update_password": {"type": "str", "default": "always", "choices": ["always", "on_create"],
                            "no_log": False},
        "expires": {"type": "float"},
        "password_lock": {"type": "bool", "no_log": False},
        "local": {"type": "bool"},
        "profile": {"type": "str"},
        "authorization": {"type": "str"},
        "role": {"type": "str"},
        "umask": {"type": "str"},
        "password_expire_account_disable": {"type": "int", "no_log": False},
        "uid_min": {"type": "int"},
        "uid_max": {"type": "int"},
    })


GROUP_SPEC = ArgSpec({
    "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    "name": {"type": "str", "required": True},
    "force": {"type": "bool", "default": False},
    "gid": {"type": "int"},
    "system": {"type": "bool", "default": False},
    "local": {"type": "bool", "default": False},
    "non_unique": {"type": "bool", "default": False},
    "gid_min": {"type": "int"},
    "gid_max": {"type": "int"},
}, required_if=[["non_unique", True, ["gid"]]])

# Characters a crypt(3) hash never contains after its last `$`.
USER_HASH_RE = re.compile(r"[^a-zA-Z0-9./=]")
# Expected hash lengths by crypt scheme id: md5, sha256, sha512, yescrypt.
USER_HASH_LENGTHS = {"1": 22, "5": 43, "6": 86, "y": 43}


class UserShadowEntry(_user_ctypes.Structure):
    """glibc's struct spwd."""
    _fields_ = [
        ("sp_namp", _user_ctypes.c_char_p),
        ("sp_pwdp", _user_ctypes.c_char_p),
        ("sp_lstchg", _user_ctypes.c_long),
        ("sp_min", _user_ctypes.c_long),
        ("sp_max", _user_ctypes.c_long),
        ("sp_warn", _user_ctypes.c_long),
        ("sp_inact", _user_ctypes.c_long),
        ("sp_expire", _user_ctypes.c_long),
        ("sp_flag", _user_ctypes.c_ulong),
    ]


USER_LIBC = []


def user_getspnam():
    """libc's getspnam, or None where libc has none (ansible then parses
    the shadow file)."""
    if not USER_LIBC:
        fn = None
        try:
            lib = _user_ctypes.CDLL(_user_ctypes_util.find_library("c"))
            fn = lib.getspnam
            fn.argtypes = (_user_ctypes.c_char_p,)
            fn.restype = _user_ctypes.POINTER(UserShadowEntry)
        except (AttributeError, OSError, TypeError):
            fn = None
        USER_LIBC.append(fn)
    return USER_LIBC[0]


def shadow_entry(name):
    """The account's shadow fields as a dict (copied out of libc's static
    buffer), None when there is none or it cannot be read."""
    fn = user_getspnam()
    ptr = fn(name.encode("utf-8", "surrogateescape"))
    if not ptr:
        return None
    e = ptr.contents
    return {"pwdp": (e.sp_pwdp or b"").decode("utf-8", "surrogateescape"),
            "min": e.sp_min, "max": e.sp_max, "warn": e.sp_warn, "expire": e.sp_expire}


def accounts_bin_path(name, env):
    """get_bin_path(name, required=True): PATH then the sbin dirs, failing
    with ansible's message."""
    paths = bin_search_dirs(env.get("PATH", ""))
    found = find_bin(name, paths)
    if found:
        return found
    raise ModuleFail(msg='Failed to find required executable "%s" in paths: %s'
                     % (name, os.pathsep.join(paths)))


def accounts_run(m, cmd, data=None):
    """AnsibleModule.run_command for an argv: every word str()'d, `~` and
    $VARs expanded (against the task's environment), data gets a newline."""
    argv = [os.path.expanduser(expand_vars(str(a), m.env)) for a in cmd]
    stdin = subprocess.PIPE if data else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                close_fds=True, env=m.env)
    except OSError as e:
        raise ModuleFail(rc=e.errno, stdout="", stderr="", msg=str(e),
                         cmd=" ".join(shlex.quote(a) for a in argv))
    out, err = proc.communicate((data + "\n").encode() if data else None)
    return (proc.returncode, out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "surrogateescape"))


def best_parsable_locale(m):
    """get_best_parsable_locale: the first of ansible's preferences that
    `locale -a` lists, else C."""
    try:
        tool = accounts_bin_path("locale", m.env)
    except ModuleFail:
        return "C"
    rc, out, _ = accounts_run(m, [tool, "-a"])
    available = out.strip().splitlines() if rc == 0 else []
    for pref in ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX"):
        if pref in available:
            return pref
    return "C"


# The local account databases `local: true` reads (ansible's PASSWORDFILE
# and GROUPFILE).
USER_PASSWORD_FILE = "/etc/passwd"
USER_GROUP_FILE = "/etc/group"


def local_entry_exists(path, name, what, m):
    """Whether `path` has a line for `name` (its own `name:` prefix): pwd
    and grp also see directory accounts, which `local` must not."""
    if not os.path.exists(path):
        m.fail("'local: true' specified but unable to find local %s file %s to parse."
               % (what, path))
    prefix = ("%s:" % name).encode("utf-8", "surrogateescape")
    with open(path, "rb") as f:
        return any(line.startswith(prefix) for line in f)


class UserAccount(object):
    """One user task: ansible's User/Linux logic over shadow-utils, or
    libuser's tools for `local: true`."""

    def __init__(self, p, m):
        self.p = p
        self.m = m
        self.name = p["name"]
        self.state = p["state"]
        self.uid = p["uid"]
        self.group = p["group"]
        self.password = p["password"]
        self.home = p["home"]
        self.create_home = p["create_home"]
        self.groups = None
        self.expires = None
        self.local = bool(p["local"])
        if self.local:
            for key in ("umask", "uid_min", "uid_max"):
                if p[key] is not None:
                    m.fail("'%s' can not be used with 'local'" % key)
        if p["groups"] is not None:
            self.groups = ",".join(p["groups"])
        if p["expires"] is not None:
            try:
                self.expires = _user_time.gmtime(p["expires"])
            except Exception as e:
                # ansible names the (still unset) attribute, hence None.
                m.fail("Invalid value for 'expires' %s: %s" % (self.expires, e))
        if p["ssh_key_file"] is not None:
            self.ssh_file = p["ssh_key_file"]
        else:
            self.ssh_file = os.path.join(".ssh", "id_%s" % p["ssh_key_type"])
        if self.groups is None and p["append"]:
            m.warn("'append' is set, but no 'groups' are specified. Use 'groups' for appending new "
                   "groups.This will change to an error in Ansible 2.14.")

    # -- helpers ---------------------------------------------------------

    def execute(self, cmd, data=None, obey_check_mode=True):
        if self.m.check_mode and obey_check_mode:
            return (0, "", "")
        return accounts_run(self.m, cmd, data)

    def bin(self, name):
        return accounts_bin_path(name, self.m.env)

    def warn_unhashed_password(self):
        password = self.password
        if not password or password in ("*", "!", "*************"):
            return
        suspicious = any(c in password for c in ":*!") or "$" not in password
        if "$" in password:
            fields = password.split("$")
            if len(fields) < 3:
                suspicious = True
            else:
                if USER_HASH_RE.search(fields[-1]):
                    suspicious = True
                wanted = USER_HASH_LENGTHS.get(fields[1])
                if wanted is not None and len(fields[-1]) != wanted:
                    suspicious = True
        if suspicious:
            self.m.warn("The input password appears not to have been hashed. "
                        "The 'password' argument must be encrypted for this module to work properly.")

    def exists(self):
        if self.local:
            return local_entry_exists(USER_PASSWORD_FILE, self.name, "account", self.m)
        try:
            pwd.getpwnam(self.name)
            return True
        except KeyError:
            return False

    def pwd_info(self):
        if not self.exists():
            return False
        return list(pwd.getpwnam(self.name))

    def info(self):
        """The passwd entry, with the shadow hash in place of `x`."""
        info = self.pwd_info()
        if info is False:
            return False
        if len(info[1]) <= 1:
            info[1] = self.shadow_password()[0]
        return info

    def shadow_password(self):
        """(hash, expiry day) from the shadow entry; ('', '') when unreadable."""
        if user_getspnam() is not None:
            entry = shadow_entry(self.name)
            if entry is None:
                return "", ""
            return entry["pwdp"], entry["expire"]
        if not self.exists():
            return "", ""
        passwd, expires = "", ""
        if os.path.exists("/etc/shadow") and os.access("/etc/shadow", os.R_OK):
            with open("/etc/shadow") as f:
                for line in f:
                    if line.startswith("%s:" % self.name):
                        fields = line.split(":")
                        passwd = fields[1]
                        expires = fields[7] or -1
        return passwd, expires

    @staticmethod
    def group_exists(group):
        try:
            grp.getgrgid(int(group))
            return True
        except (ValueError, KeyError, OverflowError):
            try:
                grp.getgrnam(group)
                return True
            except KeyError:
                return False

    def group_info(self, group):
        if not self.group_exists(group):
            return False
        try:
            return list(grp.getgrgid(int(group)))
        except (ValueError, KeyError, OverflowError):
            return list(grp.getgrnam(group))

    def wanted_groups(self, remove_existing=True, names_only=False):
        """The `groups` names as given (or their names when names_only),
        without the primary group when remove_existing; fails on the first
        unknown one."""
        if self.groups is None:
            return None
        info = self.info()
        groups = set(g.strip() for g in self.groups.split(",") if g)
        names = set()
        for g in groups.copy():
            if not self.group_exists(g):
                self.m.fail("Group %s does not exist" % g)
            ginfo = self.group_info(g)
            if info and remove_existing and ginfo[2] == info[3]:
                groups.remove(g)
            elif names_only:
                names.add(ginfo[0])
        return names if names_only else groups

    def membership(self, exclude_primary=True):
        """Names of the groups that list the user as a member."""
        info = self.pwd_info()
        out = []
        for g in grp.getgrall():
            if self.name in g.gr_mem:
                if not exclude_primary or info[3] != g.gr_gid:
                    out.append(g.gr_name)
        return out

    # -- actions ---------------------------------------------------------

    def remove(self):
        cmd = [self.bin("luserdel" if self.local else "userdel")]
        # luserdel has no -f.
        if self.p["force"] and not self.local:
            cmd.append("-f")
        if self.p["remove"]:
            cmd.append("-r")
        cmd.append(self.name)
        return self.execute(cmd)

    def create(self):
        p = self.p
        if self.local:
            # Found before luseradd, as ansible looks them up.
            lgroupmod = self.bin("lgroupmod")
            lchage = self.bin("lchage")
        cmd = [self.bin("luseradd" if self.local else "useradd")]
        if self.uid is not None:
            cmd += ["-u", self.uid]
            if p["non_unique"]:
                cmd.append("-o")
        if p["seuser"] is not None:
            cmd += ["-Z", p["seuser"]]
        if self.group is not None:
            if not self.group_exists(self.group):
                self.m.fail("Group %s does not exist" % self.group)
            cmd += ["-g", self.group]
        elif self.group_exists(self.name):
            # A group named like the user exists: -N keeps useradd from
            # trying to create it (USERGROUPS_ENAB); luseradd's is -n.
            cmd.append("-n" if self.local else self.no_user_group_flag())
            if cmd[-1] is None:
                cmd.pop()
        groups = []
        if self.groups is not None and len(self.groups):
            groups = self.wanted_groups()
            # luseradd takes no groups: lgroupmod adds them afterwards.
            if not self.local:
                cmd += ["-G", ",".join(groups)]
        if p["comment"] is not None:
            cmd += ["-c", p["comment"]]
        if self.home is not None:
            # useradd creates no missing parents of the home directory.
            if self.create_home and not os.path.isdir(os.path.dirname(self.home)):
                self.create_homedir(self.home)
            cmd += ["-d", self.home]
        if p["shell"] is not None:
            cmd += ["-s", p["shell"]]
        if self.expires is not None and not self.local:
            cmd.append("-e")
            if self.expires < _user_time.gmtime(0):
                cmd.append("")
            else:
                cmd.append(_user_time.strftime("%Y-%m-%d", self.expires))
        if p["password_expire_account_disable"] is not None:
            cmd += ["-f", int(p["password_expire_account_disable"])]
        if self.password is not None:
            cmd.append("-p")
            cmd.append("!%s" % self.password if p["password_lock"] else self.password)
        if self.create_home:
            # luseradd makes the home unless told -M.
            if not self.local:
                cmd.append("-m")
            if p["skeleton"] is not None:
                cmd += ["-k", p["skeleton"]]
            if p["umask"] is not None:
                cmd += ["-K", "UMASK=" + p["umask"]]
        else:
            cmd.append("-M")
        if p["system"]:
            cmd.append("-r")
        if p["uid_min"] is not None:
            cmd += ["-K", "UID_MIN=" + str(p["uid_min"])]
        if p["uid_max"] is not None:
            cmd += ["-K", "UID_MAX=" + str(p["uid_max"])]
        cmd.append(self.name)
        rc, out, err = self.execute(cmd)
        if not self.local or rc != 0:
            return rc, out, err
        # libuser: expiry and groups are separate commands, each stopping
        # the chain when it fails.
        steps = []
        if self.expires is not None:
            steps.append([lchage, "-E", str(self.local_expiry_days()), self.name])
        steps.extend([lgroupmod, "-M", self.name, g] for g in groups)
        return self.run_steps(steps, rc, out, err)

    def local_expiry_days(self):
        """lchage -E's day number: -1 (never) before the epoch, else the
        day `expires` (seconds) falls on."""
        if self.expires < _user_time.gmtime(0):
            return -1
        return int(_user_math.floor(self.p["expires"])) // 86400

    def run_steps(self, steps, rc, out, err):
        """Run libuser's follow-up commands in order, adding their output;
        the first failure ends the chain with its rc."""
        for cmd in steps:
            rc, step_out, step_err = self.execute(cmd)
            out += step_out
            err += step_err
            if rc != 0:
                break
        return rc, out, err

    @staticmethod
    def no_user_group_flag():
        """-N, except on RHEL <= 5 (-n) and SLES < 12 (none), as ansible."""
        def major():
            # distro.version(): os-release's VERSION_ID.
            try:
                with open("/etc/os-release") as f:
                    for line in f:
                        if line.startswith("VERSION_ID="):
                            return int(line.split("=", 1)[1].strip().strip("\"'").split(".")[0])
            except (OSError, ValueError):
                pass
            return None
        if os.path.exists("/etc/redhat-release"):
            v = major()
            return "-n" if v is not None and v <= 5 else "-N"
        if os.path.exists("/etc/SuSE-release"):
            v = major()
            return "-N" if v is not None and v >= 12 else None
        return "-N"

    def usermod_can_append(self):
        tool = self.bin("lusermod" if self.local else "usermod")
        if not os.access(tool, os.X_OK):
            return False
        rc, out, err = self.execute([tool, "--help"], obey_check_mode=False)
        return any(line.strip().startswith("-a, --append") for line in (out + err).split("\n"))

    def modify(self):
        p = self.p
        if self.local:
            # Found before lusermod, as ansible looks them up.
            lgroupmod = self.bin("lgroupmod")
            lchage = self.bin("lchage")
        group_adds, group_removals, local_expiry = set(), set(), None
        cmd = [self.bin("lusermod" if self.local else "usermod")]
        info = self.info()
        has_append = self.usermod_can_append()
        if self.uid is not None and info[2] != int(self.uid):
            cmd += ["-u", self.uid]
            if p["non_unique"]:
                cmd.append("-o")
        if self.group is not None:
            if not self.group_exists(self.group):
                self.m.fail("Group %s does not exist" % self.group)
            ginfo = self.group_info(self.group)
            if info[3] != ginfo[2]:
                cmd += ["-g", ginfo[2]]
        if self.groups is not None:
            current = self.membership(exclude_primary=False)
            needs_mod = False
            groups = []
            diff = set()
            if self.groups == "":
                needs_mod = bool(current) and not p["append"]
            else:
                groups = self.wanted_groups(remove_existing=False, names_only=True)
                diff = set(current).symmetric_difference(groups)
                if diff:
                    if p["append"]:
                        for g in groups:
                            if g in diff:
                                if has_append:
                                    cmd.append("-a")
                                needs_mod = True
                                break
                    else:
                        needs_mod = True
            if needs_mod:
                if self.local:
                    # lusermod has no groups: lgroupmod adds and removes
                    # the user as a member (never removes with append).
                    group_adds = set(groups).difference(current)
                    if not p["append"]:
                        group_removals = set(current).difference(groups)
                elif p["append"] and not has_append:
                    cmd += ["-A", ",".join(diff)]
                else:
                    cmd += ["-G", ",".join(groups)]
        if p["comment"] is not None and info[4] != p["comment"]:
            cmd += ["-c", p["comment"]]
        if self.home is not None and info[5] != self.home:
            cmd += ["-d", self.home]
            if p["move_home"]:
                cmd.append("-m")
        if p["shell"] is not None and info[6] != p["shell"]:
            cmd += ["-s", p["shell"]]
        if self.expires is not None:
            current_expires = int(self.shadow_password()[1] or "0")
            if self.expires < _user_time.gmtime(0):
                if current_expires >= 0:
                    if self.local:
                        local_expiry = -1
                    else:
                        cmd += ["-e", ""]
            else:
                current_date = _user_time.gmtime(current_expires * 86400)
                # Compared by day: year, month, day.
                if current_expires < 0 or current_date[:3] != self.expires[:3]:
                    if self.local:
                        local_expiry = self.local_expiry_days()
                    else:
                        cmd += ["-e", _user_time.strftime("%Y-%m-%d", self.expires)]
        if p["password_expire_account_disable"] is not None:
            cmd += ["-f", p["password_expire_account_disable"]]
        # Lock when unlocked; unlock only when locked (usermod refuses to
        # unlock an account without a password, still reported changed).
        if p["password_lock"] and not info[1].startswith("!"):
            cmd.append("-L")
        elif p["password_lock"] is False and info[1].startswith("!"):
            cmd.append("-U")
        if (p["update_password"] == "always" and self.password is not None
                and info[1].lstrip("!") != self.password.lstrip("!")):
            # -p cannot be combined with -L/-U: the lock goes into the hash.
            cmd = [c for c in cmd if c not in ("-U", "-L")]
            cmd.append("-p")
            cmd.append("!%s" % self.password if p["password_lock"] else self.password)
        rc, out, err = None, "", ""
        if len(cmd) > 1:
            cmd.append(self.name)
            rc, out, err = self.execute(cmd)
        if not self.local or rc not in (None, 0):
            return rc, out, err
        steps = []
        if local_expiry is not None:
            steps.append([lchage, "-E", str(local_expiry), self.name])
        steps.extend([lgroupmod, "-M", self.name, g] for g in group_adds)
        steps.extend([lgroupmod, "-m", self.name, g] for g in group_removals)
        return self.run_steps(steps, rc, out, err)

    def set_password_expire(self):
        p = self.p
        wanted = [("-m", "password_expire_min", "min"), ("-M", "password_expire_max", "max"),
                  ("-W", "password_expire_warn", "warn")]
        changes = [(flag, p[key]) for flag, key, _ in wanted if p[key] is not None]
        if user_getspnam() is not None:
            entry = shadow_entry(self.name)
            if entry is None:
                return (None, "", "")
            changes = [(flag, p[key]) for flag, key, field in wanted
                       if p[key] is not None and p[key] != entry[field]]
        if not changes:
            return (None, "", "")
        cmd = [self.bin("chage")]
        for flag, value in changes:
            cmd += [flag, value]
        cmd.append(self.name)
        return self.execute(cmd)

    # -- home directory --------------------------------------------------

    def create_homedir(self, path):
        if os.path.exists(path):
            return
        skeleton = self.p["skeleton"] if self.p["skeleton"] is not None else "/etc/skel"
        try:
            if os.path.exists(skeleton) and skeleton != os.devnull:
                _fs_shutil.copytree(skeleton, path, symlinks=True)
            else:
                os.makedirs(path)
        except OSError as e:
            self.m.fail("%s" % e)
        if os.path.exists("/etc/login.defs"):
            # HOME_MODE wins over UMASK; useradd's own default UMASK is 022.
            mode = 0o755
            with open("/etc/login.defs") as f:
                for line in f:
                    match = re.match(r"^HOME_MODE\s+(\d+)$", line)
                    if match:
                        mode = int(match.group(1), 8)
                        break
                    match = re.match(r"^UMASK\s+(\d+)$", line)
                    if match:
                        mode = 0o777 & ~int(match.group(1), 8)
            try:
                os.chmod(path, mode)
            except OSError as e:
                self.m.fail(str(e))

    def chown_homedir(self, uid, gid, path):
        try:
            os.chown(path, uid, gid)
            for root, dirs, files in os.walk(path):
                for d in dirs:
                    os.chown(os.path.join(root, d), uid, gid)
                for f in files:
                    full = os.path.join(root, f)
                    if not os.path.islink(full):
                        os.chown(full, uid, gid)
        except OSError as e:
            self.m.fail("%s" % e)

    # -- ssh keys --------------------------------------------------------

    def ssh_key_path(self):
        if os.path.isabs(self.ssh_file):
            return self.ssh_file
        info = self.info()
        if not os.path.exists(info[5]) and not self.m.check_mode:
            raise Exception("User %s home directory does not exist" % self.name)
        return os.path.join(info[5], self.ssh_file)

    def ssh_key_gen(self):
        p = self.p
        info = self.info()
        overwrite = None
        try:
            key_file = self.ssh_key_path()
        except Exception as e:
            return (1, "", str(e))
        pub_file = key_file + ".pub"
        ssh_dir = os.path.dirname(key_file)
        if not os.path.exists(ssh_dir):
            if self.m.check_mode:
                return (0, "", "")
            try:
                os.mkdir(ssh_dir, 0o700)
                os.chown(ssh_dir, info[2], info[3])
            except OSError as e:
                return (1, "", "Failed to create %s: %s" % (ssh_dir, e))
        if os.path.exists(key_file):
            if p["force"]:
                self.m.warn('Overwriting existing ssh key private file "%s"' % key_file)
                overwrite = "y"
            else:
                self.m.warn('Found existing ssh key private file "%s", no force, so skipping '
                            'ssh-keygen generation' % key_file)
                return (None, 'Key already exists, use "force: yes" to overwrite', "")
        if os.path.exists(pub_file):
            if p["force"]:
                self.m.warn('Overwriting existing ssh key public file "%s"' % pub_file)
                os.unlink(pub_file)
            else:
                self.m.warn('Found existing ssh key public file "%s", no force, so skipping '
                            'ssh-keygen generation' % pub_file)
                return (None, 'Public key already exists, use "force: yes" to overwrite', "")
        cmd = [self.bin("ssh-keygen"), "-t", p["ssh_key_type"]]
        if p["ssh_key_bits"] > 0:
            cmd += ["-b", p["ssh_key_bits"]]
        cmd += ["-C", p["ssh_key_comment"], "-f", key_file]
        if p["ssh_key_passphrase"] is not None:
            if self.m.check_mode:
                return (0, "", "")
            rc, out, err = self.keygen_with_passphrase(cmd)
            if rc is None:
                return (None, out, err)
        else:
            cmd += ["-N", ""]
            rc, out, err = self.execute(cmd, data=overwrite)
        if rc == 0 and not self.m.check_mode:
            os.chown(key_file, info[2], info[3])
            os.chown(pub_file, info[2], info[3])
        return (rc, out, err)

    def keygen_with_passphrase(self, cmd):
        """ssh-keygen reads a passphrase from its terminal only: answer its
        two prompts on a pty (15 minutes at most)."""
        passphrase = self.p["ssh_key_passphrase"].encode("utf-8") + b"\r"
        master_in, slave_in = _user_pty.openpty()
        master_out, slave_out = _user_pty.openpty()
        master_err, slave_err = _user_pty.openpty()
        env = dict(self.m.env)
        env["LC_ALL"] = best_parsable_locale(self.m)
        try:
            proc = subprocess.Popen([str(c).encode("utf-8", "surrogateescape") for c in cmd],
                                    stdin=slave_in, stdout=slave_out, stderr=slave_err,
                                    preexec_fn=os.setsid, env=env)
            out_buf, err_buf = b"", b""
            prompt = b"Enter passphrase"
            started = _user_time.time()
            while proc.poll() is None:
                ready = _user_select.select([master_out, master_err], [], [], 1)[0]
                if _user_time.time() - started > 900:
                    return (1, "", "Timeout after 900 while reading passphrase for SSH key")
                for fd in ready:
                    chunk = os.read(fd, 10240)
                    if fd == master_out:
                        out_buf += chunk
                        seen = out_buf
                    else:
                        err_buf += chunk
                        seen = err_buf
                    if prompt in seen:
                        os.write(master_in, passphrase)
                        prompt = b"Enter same passphrase again"
                    if b"Overwrite (y/n)?" in out_buf or b"Overwrite (y/n)?" in err_buf:
                        return (None, "Key already exists", "")
            return (proc.returncode, out_buf.decode("utf-8", "surrogateescape"),
                    err_buf.decode("utf-8", "surrogateescape"))
        except OSError as e:
            return (1, "", str(e))
        finally:
            for fd in (master_in, slave_in, master_out, slave_out, master_err, slave_err):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def ssh_key_fingerprint(self):
        key_file = self.ssh_key_path()
        if not os.path.exists(key_file):
            return (1, "SSH Key file %s does not exist" % key_file, "")
        return self.execute([self.bin("ssh-keygen"), "-l", "-f", key_file], obey_check_mode=False)

    def ssh_public_key(self):
        try:
            with open("%s.pub" % self.ssh_key_path()) as f:
                return f.read().strip()
        except OSError:
            return None


def user_body(p, m):
    u = UserAccount(p, m)
    u.warn_unhashed_password()
    rc, out, err = None, "", ""
    result = {"name": u.name, "state": u.state}
    if u.state == "absent":
        if u.exists():
            if m.check_mode:
                return {"changed": True}
            rc, out, err = u.remove()
            if rc != 0:
                m.fail(err, name=u.name, rc=rc)
            result["force"] = p["force"]
            result["remove"] = p["remove"]
    else:
        if not u.exists():
            if m.check_mode:
                return {"changed": True}
            needs_parents = bool(u.home and u.create_home
                                 and not os.path.isdir(os.path.dirname(u.home)))
            rc, out, err = u.create()
            # Parents made by create_homedir left the home owned by root.
            if needs_parents:
                info = u.info()
                if info is not False:
                    u.chown_homedir(info[2], info[3], u.home)
            result["system"] = p["system"]
            result["create_home"] = u.create_home
        else:
            rc, out, err = u.modify()
            result["append"] = p["append"]
            result["move_home"] = p["move_home"]
        if rc is not None and rc != 0:
            m.fail(err, name=u.name, rc=rc)
        if u.password is not None:
            result["password"] = "NOT_LOGGING_PASSWORD"
    result["changed"] = rc is not None
    if out:
        result["stdout"] = out
    if err:
        result["stderr"] = err
    if u.exists() and u.state == "present":
        present_user_results(u, p, m, result)
    return result


def present_user_results(u, p, m, result):
    """What ansible reports (and still does) for an existing user: its
    passwd fields, a missing home, ssh keys, password ageing."""
    info = u.info()
    result["uid"] = info[2]
    result["group"] = info[3]
    result["comment"] = info[4]
    result["home"] = info[5]
    result["shell"] = info[6]
    if u.groups is not None:
        result["groups"] = u.groups
    if u.home is None:
        u.home = info[5]
    if not os.path.exists(u.home) and u.create_home:
        if not m.check_mode:
            u.create_homedir(u.home)
            u.chown_homedir(info[2], info[3], u.home)
        result["changed"] = True
    if p["generate_ssh_key"]:
        rc, out, err = u.ssh_key_gen()
        if rc is not None and rc != 0:
            m.fail(err, name=u.name, rc=rc)
        if rc == 0:
            result["changed"] = True
        rc, out, err = u.ssh_key_fingerprint()
        result["ssh_fingerprint"] = out.strip() if rc == 0 else err.strip()
        result["ssh_key_file"] = u.ssh_key_path()
        result["ssh_public_key"] = u.ssh_public_key()
    rc, out, err = u.set_password_expire()
    if rc is not None:
        if rc != 0:
            m.fail(err, name=u.name, rc=rc)
        result["changed"] = True


@native("user")
def native_user(agent, args, header):
    return run_module_body("user", user_spec(), args, header, user_body)


class GroupAccount(object):
    """One group task: ansible's Group/Linux logic over shadow-utils, or
    libuser's tools for `local: true`."""

    def __init__(self, p, m):
        self.p = p
        self.m = m
        self.name = p["name"]
        self.local = bool(p["local"])

    def bin(self, name):
        return accounts_bin_path(name, self.m.env)

    def tool(self, name):
        """groupadd/groupmod/groupdel, or libuser's lgroup* for `local`."""
        return self.bin("l" + name if self.local else name)

    def check_local_gid_free(self):
        """libuser would reuse a gid: ansible refuses one another group
        has (a gid of 0 is not checked)."""
        gid = self.p["gid"]
        if not gid:
            return
        for g in grp.getgrall():
            if gid == g.gr_gid and self.name != g.gr_name:
                self.m.fail("GID '%s' already exists with group '%s'" % (gid, g.gr_name))

    def exists(self):
        if self.local:
            return local_entry_exists(USER_GROUP_FILE, self.name, "group", self.m)
        try:
            grp.getgrnam(self.name)
            return True
        except KeyError:
            return False

    def info(self):
        if not self.exists():
            return False
        try:
            return list(grp.getgrnam(self.name))
        except KeyError:
            return False

    def delete(self):
        cmd = [self.tool("groupdel")]
        if self.p["force"]:
            cmd.append("-f")
        cmd.append(self.name)
        return accounts_run(self.m, cmd)

    def add(self):
        p = self.p
        if self.local:
            self.check_local_gid_free()
        cmd = [self.tool("groupadd")]
        if p["gid"] is not None:
            cmd += ["-g", str(p["gid"])]
            if p["non_unique"]:
                cmd.append("-o")
        if p["system"] is True:
            cmd.append("-r")
        if p["gid_min"] is not None:
            cmd += ["-K", "GID_MIN=" + str(p["gid_min"])]
        if p["gid_max"] is not None:
            cmd += ["-K", "GID_MAX=" + str(p["gid_max"])]
        cmd.append(self.name)
        return accounts_run(self.m, cmd)

    def modify(self):
        p = self.p
        if self.local:
            self.check_local_gid_free()
        cmd = [self.tool("groupmod")]
        info = self.info()
        if p["gid"] is not None and info[2] != int(p["gid"]):
            cmd += ["-g", str(p["gid"])]
            if p["non_unique"]:
                cmd.append("-o")
        if len(cmd) == 1:
            return (None, "", "")
        if self.m.check_mode:
            return (0, "", "")
        cmd.append(self.name)
        return accounts_run(self.m, cmd)


def group_body(p, m):
    if p["force"] and p["local"]:
        m.fail("force is not a valid option for local, force=True and local=True are mutually exclusive")
    if p["local"]:
        for key in ("gid_min", "gid_max"):
            if p[key] is not None:
                m.fail("'%s' can not be used with 'local'" % key)
    g = GroupAccount(p, m)
    rc, out, err = None, "", ""
    result = {"name": g.name, "state": p["state"]}
    if p["state"] == "absent":
        if g.exists():
            if m.check_mode:
                return {"changed": True}
            rc, out, err = g.delete()
            if rc != 0:
                m.fail(err, name=g.name)
    else:
        if not g.exists():
            if m.check_mode:
                return {"changed": True}
            rc, out, err = g.add()
        else:
            rc, out, err = g.modify()
        if rc is not None and rc != 0:
            m.fail(err, name=g.name)
    result["changed"] = rc is not None
    if out:
        result["stdout"] = out
    if err:
        result["stderr"] = err
    if g.exists():
        result["system"] = p["system"]
        result["gid"] = g.info()[2]
    return result


@native("group")
def native_group(agent, args, header):
    return run_module_body("group", GROUP_SPEC, args, header, group_body)
