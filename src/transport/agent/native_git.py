# mitorun agent: native ansible.builtin.git, result for result with
# ansible-core 2.19's module: the same git command lines (clone, ls-remote,
# fetch with the same refspecs, checkout/reset, submodules, archive,
# verify-commit) in the C-like locale it picks, read the same way, so
# before/after, remote_url_changed, warnings, diff and failure messages
# agree. Shipped with the first git call (modules::native_code) after
# native_dev_run.py.

import filecmp as _git_filecmp
import shutil as _git_shutil

GIT_SPEC = ArgSpec({
    "dest": {"type": "path"},
    "repo": {"required": True, "aliases": ["name"]},
    "version": {"default": "HEAD"},
    "remote": {"default": "origin"},
    "refspec": {"default": None},
    "reference": {"default": None},
    "force": {"default": "no", "type": "bool"},
    "depth": {"default": None, "type": "int"},
    "clone": {"default": "yes", "type": "bool"},
    "update": {"default": "yes", "type": "bool"},
    "verify_commit": {"default": "no", "type": "bool"},
    "gpg_allowlist": {"default": [], "type": "list", "aliases": ["gpg_whitelist"], "elements": "str",
                      "deprecated_aliases": [{"name": "gpg_whitelist", "version": "2.21",
                                              "collection_name": "ansible.builtin"}]},
    "accept_hostkey": {"default": "no", "type": "bool"},
    "accept_newhostkey": {"default": "no", "type": "bool"},
    "key_file": {"default": None, "type": "path", "required": False},
    "ssh_opts": {"default": None, "required": False},
    "executable": {"default": None, "type": "path"},
    "bare": {"default": "no", "type": "bool"},
    "recursive": {"default": "yes", "type": "bool"},
    "single_branch": {"default": False, "type": "bool"},
    "track_submodules": {"default": "no", "type": "bool"},
    "umask": {"default": None, "type": "raw"},
    "archive": {"type": "path"},
    "archive_prefix": {},
    "separate_git_dir": {"type": "path"},
}, mutually_exclusive=[["separate_git_dir", "bare"], ["accept_hostkey", "accept_newhostkey"]],
    required_by={"archive_prefix": ["archive"]})

GIT_ARCHIVE_FORMATS = {".zip": "zip", ".gz": "tar.gz", ".tar": "tar", ".tgz": "tgz"}


class GitExit(Exception):
    """exit_json before the end: the result so far."""

    def __init__(self, result):
        Exception.__init__(self)
        self.result = result


def git_version_tuple(text):
    """LooseVersion's order for the numeric versions git reports."""
    return tuple(int(x) for x in re.findall(r"\d+", text))


def git_unfrack(path):
    if path is None:
        return None
    return os.path.normpath(os.path.realpath(os.path.expanduser(os.path.expandvars(path))))


def git_head_from_file(headfile, remote, m=None, fail_on_error=False):
    """The branch named by a HEAD file (`ref: refs/heads/x` or a remote's
    HEAD), None when the file is missing."""
    if not os.path.exists(headfile):
        return None
    try:
        with open(headfile, "r") as f:
            raw = f.readline()
    except Exception:
        if fail_on_error and m is not None:
            m.fail("Unable to read %s" % headfile)
        return None
    if not raw:
        return None
    raw = raw.replace("refs/remotes/%s" % remote, "", 1)
    return raw.split(" ")[-1].split("/", 2)[-1].rstrip("\n")


def git_repo_path(dest, bare):
    """The git dir of dest: dest itself when bare, .git, or where a .git
    file points."""
    path = dest if bare else os.path.join(dest, ".git")
    if os.path.isfile(path):
        with open(path, "r") as f:
            data = f.read()
        prefix, gitdir = data.rstrip().split("gitdir: ", 1)
        if prefix:
            raise ValueError(".git file has invalid git dir reference format")
        path = gitdir if os.path.isabs(gitdir) else os.path.join(dest, gitdir)
        if not os.path.isdir(path):
            raise ValueError("%s is not a directory" % path)
    return path


class GitRepo(object):
    """One git task: the parameters, the runner and the git program."""

    def __init__(self, p, m, run, git):
        self.p = p
        self.m = m
        self.run = run
        self.git = git
        self.repo = p["repo"]

    def cmd(self, args, **kw):
        return self.run.run(args, **kw)

    # -- questions to git ------------------------------------------------

    def version_of_git(self):
        rc, out, _err = self.cmd("%s --version" % self.git)
        if rc != 0:
            return None
        found = re.search("git version (.*)$", out)
        return git_version_tuple(found.group(1)) if found else None

    def rev(self, dest, ref="HEAD"):
        return self.cmd("%s rev-parse %s" % (self.git, ref), cwd=dest)[1].rstrip("\n")

    def is_remote_branch(self, dest, remote, version):
        out = self.cmd("%s ls-remote %s -h refs/heads/%s" % (self.git, remote, version),
                       check_rc=True, cwd=dest)[1]
        return version in out

    def is_remote_tag(self, dest, remote, version):
        out = self.cmd("%s ls-remote %s -t refs/tags/%s" % (self.git, remote, version),
                       check_rc=True, cwd=dest)[1]
        return version in out

    def branches(self, dest):
        rc, out, err = self.cmd("%s branch --no-color -a" % self.git, cwd=dest)
        if rc != 0:
            self.m.fail("Could not determine branch data - received %s" % out, stdout=out, stderr=err)
        return [line.strip() for line in out.split("\n") if line.strip()]

    def is_local_branch(self, dest, branch):
        found = self.branches(dest)
        return branch in found or "* %s" % branch in found

    def is_detached(self, dest):
        for branch in self.branches(dest):
            if branch.startswith("* ") and ("no branch" in branch or "detached from" in branch
                                            or "detached at" in branch):
                return True
        return False

    def annotated_tags(self, dest):
        rc, out, err = self.cmd([self.git, "for-each-ref", "refs/tags/", "--format",
                                 "%(objecttype):%(refname:short)"], cwd=dest)
        if rc != 0:
            self.m.fail("Could not determine tag data - received %s" % out, stdout=out, stderr=err)
        tags = []
        for line in out.split("\n"):
            if line.strip():
                kind, name = line.strip().split(":")
                if kind == "tag":
                    tags.append(name)
        return tags

    def head_branch(self, dest, remote, bare=False):
        try:
            repo_path = git_repo_path(dest, bare)
        except (OSError, ValueError) as e:
            self.m.fail("Current repo does not have a valid reference to a separate Git dir or it "
                        "refers to the invalid path", details=str(e))
        headfile = os.path.join(repo_path, "HEAD")
        if self.is_detached(dest):
            headfile = os.path.join(repo_path, "refs", "remotes", remote, "HEAD")
        return git_head_from_file(headfile, remote, m=self.m, fail_on_error=True)

    def remote_url(self, dest, remote):
        rc, out, _err = self.cmd([self.git, "ls-remote", "--get-url", remote], cwd=dest)
        if rc != 0:
            return None
        return out.rstrip("\n")

    def set_remote_url(self, dest, remote):
        current = self.remote_url(dest, remote)
        if current == self.repo or git_unfrack(current) == git_unfrack(self.repo):
            return False
        rc, out, err = self.cmd([self.git, "remote", "set-url", remote, self.repo], cwd=dest)
        if rc != 0:
            self.m.fail("Failed to set a new url %s for %s: %s %s" % (self.repo, remote, out, err))
        return current is not None

    def remote_head(self, dest, version, remote, bare):
        """The commit the remote has for version (a sha is taken as it
        is)."""
        cwd = None
        cloning = (remote == self.p["repo"]
                   or remote == "file://" + os.path.expanduser(self.p["repo"]))
        if not cloning:
            cwd = dest
        tag = False
        if version == "HEAD":
            if cloning:
                cmd = "%s ls-remote %s -h HEAD" % (self.git, remote)
            else:
                branch = self.head_branch(dest, remote, bare)
                cmd = "%s ls-remote %s -h refs/heads/%s" % (self.git, remote, branch)
        elif self.is_remote_branch(dest, remote, version):
            cmd = "%s ls-remote %s -h refs/heads/%s" % (self.git, remote, version)
        elif self.is_remote_tag(dest, remote, version):
            tag = True
            cmd = "%s ls-remote %s -t refs/tags/%s*" % (self.git, remote, version)
        else:
            return version
        rc, out, err = self.cmd(cmd, check_rc=True, cwd=cwd)
        if len(out) < 1:
            self.m.fail("Could not determine remote revision for %s" % version, stdout=out,
                        stderr=err, rc=rc)
        if tag:
            # an annotated tag's line with ^{} names the commit
            for line in out.split("\n"):
                if line.endswith(version + "^{}"):
                    out = line
                    break
                elif line.endswith(version):
                    out = line
        return out.split()[0]

    def has_local_mods(self, dest, bare):
        if bare:
            return False
        out = self.cmd("%s status --porcelain" % self.git, cwd=dest)[1]
        return any(not re.search("^\\?\\?.*$", line) for line in out.splitlines())

    # -- changes ---------------------------------------------------------

    def clone(self, dest, version, remote, depth, git_version, separate_git_dir, result):
        p = self.p
        try:
            os.makedirs(os.path.dirname(dest))
        except Exception:
            pass
        cmd = [self.git, "clone"]
        if p["bare"]:
            cmd.append("--bare")
        else:
            cmd.extend(["--origin", remote])
        fetchable = (self.is_remote_branch(dest, self.repo, version)
                     or self.is_remote_tag(dest, self.repo, version))
        if depth:
            if version == "HEAD" or p["refspec"]:
                cmd.extend(["--depth", str(depth)])
            elif fetchable:
                cmd.extend(["--depth", str(depth), "--branch", version])
            else:
                self.m.warn("Ignoring depth argument. Shallow clones are only available for HEAD, "
                            "branches, tags or in combination with refspec.")
        if p["reference"]:
            cmd.extend(["--reference", str(p["reference"])])
        if p["single_branch"]:
            if git_version is None:
                self.m.fail("Cannot find git executable at %s" % self.git)
            cmd.append("--single-branch")
            if fetchable:
                cmd.extend(["--branch", version])
        if separate_git_dir:
            if git_version is None:
                self.m.fail("Cannot find git executable at %s" % self.git)
            cmd.append("--separate-git-dir=%s" % separate_git_dir)
        cmd.extend([self.repo, dest])
        self.cmd(cmd, check_rc=True, cwd=os.path.dirname(dest))
        if p["bare"] and remote != "origin":
            self.cmd([self.git, "remote", "add", remote, self.repo], check_rc=True, cwd=dest)
        if p["refspec"]:
            cmd = [self.git, "fetch"]
            if depth:
                cmd.extend(["--depth", str(depth)])
            cmd.extend([remote, p["refspec"]])
            self.cmd(cmd, check_rc=True, cwd=dest)
        if p["verify_commit"]:
            self.verify_commit(dest, version)

    def fetch(self, dest, version, remote, depth, refspec, git_version, force=False):
        bare = self.p["bare"]
        self.set_remote_url(dest, remote)
        commands = []
        label = "download remote objects and refs"
        fetch_cmd = [self.git, "fetch"]
        refspecs = []
        if depth:
            current = self.head_branch(dest, remote)
            if refspec:
                refspecs.append(refspec)
            elif version == "HEAD":
                refspecs.append(current)
            elif self.is_remote_branch(dest, self.repo, version):
                if current != version:
                    refspecs.append("+refs/heads/%s:refs/heads/%s" % (version, version))
                refspecs.append("+refs/heads/%s:refs/remotes/%s/%s" % (version, remote, version))
            elif self.is_remote_tag(dest, self.repo, version):
                refspecs.append("+refs/tags/" + version + ":refs/tags/" + version)
            if refspecs:
                fetch_cmd.extend(["--depth", str(depth)])
        if not depth or not refspecs:
            # a full fetch, with every tag
            if bare:
                refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
            elif git_version is not None and git_version >= (1, 9):
                fetch_cmd.append("--tags")
            else:
                commands.append((label, fetch_cmd + [remote]))
                refspecs = ["+refs/tags/*:refs/tags/*"]
            if refspec:
                refspecs.append(refspec)
        if force:
            fetch_cmd.append("--force")
        fetch_cmd.append(remote)
        commands.append((label, fetch_cmd + refspecs))
        for what, command in commands:
            rc, out, err = self.cmd(command, cwd=dest)
            if rc != 0:
                self.m.fail("Failed to %s: %s %s" % (what, out, err), cmd=command)

    def switch_version(self, dest, remote, version, depth):
        branch = None
        if version == "HEAD":
            branch = self.head_branch(dest, remote)
            rc, out, err = self.cmd("%s checkout --force %s" % (self.git, branch), cwd=dest)
            if rc != 0:
                self.m.fail("Failed to checkout branch %s" % branch, stdout=out, stderr=err, rc=rc)
            cmd = "%s reset --hard %s/%s --" % (self.git, remote, branch)
        elif self.is_remote_branch(dest, remote, version):
            if depth and not self.is_local_branch(dest, version):
                # a shallow clone has only its branch: fetch this one first
                refs = "+refs/heads/%s:refs/heads/%s +refs/heads/%s:refs/remotes/%s/%s" % (
                    version, version, version, remote, version)
                rc, out, err = self.cmd("%s fetch --depth=%s %s %s" % (self.git, depth, remote, refs),
                                        cwd=dest)
                if rc != 0:
                    self.m.fail("Failed to fetch branch from remote: %s" % version, stdout=out,
                                stderr=err, rc=rc)
            if not self.is_local_branch(dest, version):
                cmd = "%s checkout --track -b %s %s/%s" % (self.git, version, remote, version)
            else:
                rc, out, err = self.cmd("%s checkout --force %s" % (self.git, version), cwd=dest)
                if rc != 0:
                    self.m.fail("Failed to checkout branch %s" % version, stdout=out, stderr=err, rc=rc)
                cmd = "%s reset --hard %s/%s" % (self.git, remote, version)
        else:
            cmd = "%s checkout --force %s" % (self.git, version)
        rc, out, err = self.cmd(cmd, cwd=dest)
        if rc != 0:
            what = version if version != "HEAD" else "branch %s" % branch
            self.m.fail("Failed to checkout %s" % what, stdout=out, stderr=err, rc=rc, cmd=cmd)
        if self.p["verify_commit"]:
            self.verify_commit(dest, version)

    def verify_commit(self, dest, version):
        allow = self.p["gpg_allowlist"]
        sub = "verify-tag" if version in self.annotated_tags(dest) else "verify-commit"
        cmd = "%s %s %s" % (self.git, sub, version)
        if allow:
            cmd += " --raw"
        rc, out, err = self.cmd(cmd, cwd=dest)
        if rc != 0:
            self.m.fail('Failed to verify GPG signature of commit/tag "%s"' % version, stdout=out,
                        stderr=err, rc=rc)
        if allow:
            fingerprint = None
            for line in err.splitlines():
                fields = line.split()
                if fields[1] != "VALIDSIG":
                    continue
                fingerprint = fields[11 if len(fields) == 11 else 2]
                break
            if fingerprint not in allow:
                self.m.fail('The gpg_allowlist does not include the public key "%s" for this commit'
                            % fingerprint, stdout=out, stderr=err, rc=rc)

    def diff(self, dest, remote, depth, before, after, git_version):
        if before is None:
            return {"prepared": ">> Newly checked out %s" % after}
        if before == after:
            return {}
        # the commit must be here for git diff
        self.fetch(dest, after, remote, depth, "", self.version_of_git())
        rc, out, err = self.cmd("%s diff %s %s" % (self.git, before, after), cwd=dest)
        if rc == 0 and out:
            return {"prepared": out}
        if rc == 0:
            return {"prepared": ">> No visual differences between %s and %s" % (before, after)}
        if err:
            return {"prepared": ">> Failed to get proper diff between %s and %s:\n>> %s"
                    % (before, after, err)}
        return {"prepared": ">> Failed to get proper diff between %s and %s" % (before, after)}

    # -- submodules ------------------------------------------------------

    def submodule_versions(self, dest, version="HEAD"):
        rc, out, err = self.cmd([self.git, "submodule", "foreach", self.git, "rev-parse", version],
                                cwd=dest)
        if rc != 0:
            self.m.fail("Unable to determine hashes of submodules", stdout=out, stderr=err, rc=rc)
        found = {}
        name = None
        for line in out.splitlines():
            if line.startswith("Entering '"):
                name = line[10:-1]
            elif len(line.strip()) == 40:
                if name is None:
                    self.m.fail(None)
                found[name] = line.strip()
                name = None
            else:
                self.m.fail("Unable to parse submodule hash line: %s" % line.strip())
        if name is not None:
            self.m.fail("Unable to find hash for submodule: %s" % name)
        return found

    def submodules_fetch(self, dest, remote):
        gitmodules = os.path.join(dest, ".gitmodules")
        if not os.path.exists(gitmodules):
            return False
        changed = False
        with open(gitmodules, "r") as f:
            for line in f:
                if not changed and line.strip().startswith("path"):
                    path = line.split("=", 1)[1].strip()
                    if not os.path.exists(os.path.join(dest, path, ".git")):
                        changed = True
        if changed:
            return True
        begin = self.submodule_versions(dest)
        self.cmd([self.git, "submodule", "foreach", self.git, "fetch"], check_rc=True, cwd=dest)
        if self.p["track_submodules"]:
            return begin != self.submodule_versions(dest, "%s/%s" % (remote, "master"))
        out = self.cmd([self.git, "submodule", "status"], check_rc=True, cwd=dest)[1]
        return any(line[0] != " " for line in out.splitlines())

    def submodule_update(self, dest, force):
        params = []
        err = self.cmd("%s submodule update --help" % self.git, cwd=dest)[2]
        usage = None
        for line in err.split("\n"):
            if "git submodule [--quiet] update " in line:
                usage = line
        if usage:
            for word in shlex.split(usage.replace("[", "").replace("]", "").replace("|", " ")):
                if word.startswith("--"):
                    params.append(word.replace("--", ""))
        if not os.path.exists(os.path.join(dest, ".gitmodules")):
            return
        self.cmd([self.git, "submodule", "sync"], check_rc=True, cwd=dest)
        cmd = [self.git, "submodule", "update", "--init", "--recursive"]
        if "remote" in params and self.p["track_submodules"]:
            cmd.append("--remote")
        if force:
            cmd.append("--force")
        rc, out, err = self.cmd(cmd, cwd=dest)
        if rc != 0:
            self.m.fail("Failed to init/update submodules: %s" % out + err)

    # -- archive ---------------------------------------------------------

    def git_archive(self, dest, archive, fmt, version):
        cmd = [self.git, "archive", "--format", fmt, "--output", archive, version]
        if self.p["archive_prefix"] is not None:
            cmd[-1:-1] = ["--prefix", self.p["archive_prefix"]]
        rc, _out, err = self.cmd(cmd, cwd=dest)
        if rc != 0:
            self.m.fail("Failed to perform archive operation",
                        details="Git archive command failed to create archive %s using %s directory."
                                "Error: %s" % (archive, dest, err))

    def create_archive(self, dest, archive, version, result):
        fmt = GIT_ARCHIVE_FORMATS.get(os.path.splitext(archive)[1])
        if fmt is None:
            self.m.fail("Unable to get file extension from archive file name : %s" % archive,
                        details="Please specify archive as filename with extension. File extension "
                                "can be one of ['tar', 'tar.gz', 'zip', 'tgz']")
        repo_name = self.repo.split("/")[-1].replace(".git", "")
        if not os.path.exists(archive):
            self.git_archive(dest, archive, fmt, version)
            result["changed"] = True
            return
        # an archive that is there already is replaced only when it differs
        tempdir = tempfile.mkdtemp()
        fresh = os.path.join(tempdir, repo_name) + "." + fmt
        self.git_archive(dest, fresh, fmt, version)
        if _git_filecmp.cmp(fresh, archive):
            result["changed"] = False
            _git_shutil.rmtree(tempdir, ignore_errors=True)
            return
        try:
            _git_shutil.move(fresh, archive)
            _git_shutil.rmtree(tempdir)
            result["changed"] = True
        except OSError as e:
            self.m.fail("Failed to move %s to %s" % (fresh, archive),
                        details="Error occurred while moving : %s" % e)


def git_relocate(m, result, repo_dir, old_repo_dir, worktree_dir):
    """Move a work tree's git dir to separate_git_dir."""
    if os.path.exists(repo_dir):
        m.fail("Separate-git-dir path %s already exists." % repo_dir)
    if worktree_dir:
        try:
            _git_shutil.move(old_repo_dir, repo_dir)
            with open(os.path.join(worktree_dir, ".git"), "w") as f:
                f.write("gitdir: %s" % repo_dir)
            result["git_dir_before"] = old_repo_dir
            result["git_dir_now"] = repo_dir
        except OSError as e:
            if os.path.exists(repo_dir):
                _git_shutil.move(repo_dir, old_repo_dir)
            raise Exception("Unable to move git dir.") from e


def git_ssh_options(p, run):
    """ssh_opts after accept_hostkey/accept_newhostkey."""
    opts = p["ssh_opts"]
    if p["accept_hostkey"]:
        if opts is None:
            opts = "-o StrictHostKeyChecking=no"
        elif "-o StrictHostKeyChecking=no" not in opts and "-o StrictHostKeyChecking=accept-new" not in opts:
            opts += " -o StrictHostKeyChecking=no"
    if p["accept_newhostkey"]:
        ssh = run.bin_path("ssh")
        if ssh is None:
            run.m.fail("Remote host is missing ssh command, so you cannot use acceptnewhostkey "
                       "option.", details='Failed to find required executable "ssh" in paths: %s'
                       % os.pathsep.join(bin_search_dirs(run.env.get("PATH", ""))))
        if run.run([ssh, "-o", "StrictHostKeyChecking=accept-new", "-V"])[0] != 0:
            run.m.warn("Your ssh client does not support accept_newhostkey option, therefore it "
                       "cannot be used.")
        elif opts is None:
            opts = "-o StrictHostKeyChecking=accept-new"
        elif "-o StrictHostKeyChecking=no" not in opts and "-o StrictHostKeyChecking=accept-new" not in opts:
            opts += " -o StrictHostKeyChecking=accept-new"
    return opts


def git_ssh_environment(p, run, ssh_opts):
    """GIT_SSH_COMMAND as ansible builds it: the environment's ssh command
    with batch mode, host key and key file options."""
    env = run.env
    if ssh_opts is None:
        ssh_opts = env.get("GIT_SSH_OPTS", "")
    else:
        ssh_opts = env.get("GIT_SSH_OPTS", "") + " " + ssh_opts
    if p["accept_hostkey"] and "StrictHostKeyChecking=no" not in ssh_opts:
        ssh_opts += " -o StrictHostKeyChecking=no"
    if "BatchMode=yes" not in ssh_opts:
        ssh_opts += " -o BatchMode=yes"
    if p["key_file"]:
        key_opt = "-i %s" % p["key_file"]
        if key_opt not in ssh_opts:
            ssh_opts += "  %s" % key_opt
        if "IdentitiesOnly=yes" not in ssh_opts:
            ssh_opts += " -o IdentitiesOnly=yes"
    full = env.get("GIT_SSH", env.get("GIT_SSH_COMMAND", "ssh"))
    if ssh_opts:
        full += " " + ssh_opts
    env["GIT_SSH_COMMAND"] = full


def git_body(p, m, run):
    dest, version, remote = p["dest"], p["version"], p["remote"]
    depth, force, bare = p["depth"], p["force"], p["bare"]
    git = p["executable"] or run.bin_path("git", required=True)
    result = {"changed": False}
    ssh_opts = git_ssh_options(p, run)
    repo = p["repo"]
    # depth and friends need a URL: plain paths become file:// ones
    if os.path.expanduser(repo).startswith("/"):
        repo = "file://" + os.path.expanduser(repo)
    task = GitRepo(p, m, run, git)
    task.repo = repo
    locale = run.best_locale()
    run.env_update = {"LANG": locale, "LC_ALL": locale, "LC_MESSAGES": locale, "LC_CTYPE": locale,
                      "LANGUAGE": locale}
    separate_git_dir = p["separate_git_dir"]
    if separate_git_dir:
        separate_git_dir = os.path.realpath(separate_git_dir)
    gitconfig = None
    if not dest and p["clone"]:
        m.fail("the destination directory must be specified unless clone=no")
    elif dest:
        dest = os.path.abspath(dest)
        try:
            repo_path = git_repo_path(dest, bare)
            if separate_git_dir and os.path.exists(repo_path) and separate_git_dir != repo_path:
                result["changed"] = True
                if not m.check_mode:
                    git_relocate(m, result, separate_git_dir, repo_path, dest)
                    repo_path = separate_git_dir
        except (OSError, ValueError) as e:
            m.fail("Current repo does not have a valid reference to a separate Git dir or it refers "
                   "to the invalid path", details=str(e))
        gitconfig = os.path.join(repo_path, "config")
    git_version = task.version_of_git()
    git_ssh_environment(p, run, ssh_opts)
    if depth is not None and git_version is not None and git_version < (1, 9, 1):
        m.warn("git version is too old to fully support the depth argument. Falling back to full "
               "checkouts.")
        depth = None
    result["before"] = None
    local_mods = False
    remote_url_changed = False
    if (dest and not os.path.exists(gitconfig)) or (not dest and not p["clone"]):
        if m.check_mode or not p["clone"]:
            result.update(changed=True, after=task.remote_head(dest, version, repo, bare))
            if m.diff:
                diff = task.diff(dest, remote, depth, result["before"], result["after"], git_version)
                if diff:
                    result["diff"] = diff
            raise GitExit(result)
        task.clone(dest, version, remote, depth, git_version, separate_git_dir, result)
    elif not p["update"]:
        # a repository is there: report its commit, touch nothing
        result["before"] = task.rev(dest)
        result["after"] = result["before"]
        if p["archive"]:
            if m.check_mode:
                result["changed"] = True
                raise GitExit(result)
            task.create_archive(dest, p["archive"], version, result)
        raise GitExit(result)
    else:
        local_mods = task.has_local_mods(dest, bare)
        result["before"] = task.rev(dest)
        if local_mods:
            if not force:
                m.fail("Local modifications exist in the destination: " + dest + " (force=no).",
                       **result)
            if not m.check_mode:
                task.cmd("%s reset --hard HEAD" % git, check_rc=True, cwd=dest)
                result.update(changed=True, msg="Local modifications exist in the destination: " + dest)
        if m.check_mode:
            url = task.remote_url(dest, remote)
            remote_url_changed = url and url != repo and git_unfrack(url) != git_unfrack(repo)
        else:
            remote_url_changed = task.set_remote_url(dest, remote)
        result["remote_url_changed"] = remote_url_changed
        if m.check_mode:
            head = task.remote_head(dest, version, remote, bare)
            result.update(changed=(result["before"] != head or remote_url_changed), after=head)
            if m.diff:
                diff = task.diff(dest, remote, depth, result["before"], result["after"], git_version)
                if diff:
                    result["diff"] = diff
            raise GitExit(result)
        task.fetch(dest, version, remote, depth, p["refspec"], git_version, force=force)
        result["after"] = task.rev(dest)
    if not bare:
        task.switch_version(dest, remote, version, depth)
    submodules_updated = False
    if p["recursive"] and not bare:
        submodules_updated = task.submodules_fetch(dest, remote)
        if submodules_updated:
            result["submodules_changed"] = submodules_updated
            task.submodule_update(dest, force)
    result["after"] = task.rev(dest)
    if result["before"] != result["after"] or local_mods or submodules_updated or remote_url_changed:
        result["changed"] = True
        if m.diff:
            diff = task.diff(dest, remote, depth, result["before"], result["after"], git_version)
            if diff:
                result["diff"] = diff
    if p["archive"]:
        if m.check_mode:
            result["changed"] = True
            raise GitExit(result)
        task.create_archive(dest, p["archive"], version, result)
    return result


def git_umask(m, value):
    """The umask parameter as an int, failing as ansible does."""
    if not isinstance(value, str):
        m.fail("umask must be defined as a quoted octal integer")
    try:
        return int(value, 8)
    except Exception as e:
        m.fail("umask must be an octal integer", details=str(e))


@native("git")
def native_git(agent, args, header):
    def body(p, m):
        run = DevRunner(m, args)
        try:
            if p["umask"] is None:
                return git_body(p, m, run)
            umask = git_umask(m, p["umask"])
            # The module lock keeps other in-process modules from running
            # under the task's umask.
            with agent.module_lock:
                saved = os.umask(umask)
                try:
                    return git_body(p, m, run)
                finally:
                    os.umask(saved)
        except GitExit as e:
            return e.result
    return run_module_body("git", GIT_SPEC, args, header, body)
