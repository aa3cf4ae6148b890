# mitorun agent: hardware facts (ansible's Linux `hardware` collector):
# CPUs, memory, DMI, block devices, uptime, LVM and mounts, read from
# /proc and /sys. Programs run only where ansible's answer comes from one
# (lsblk, lspci, sg_inq, LVM tools, dmidecode without sysfs DMI) and are
# started before collection so they overlap with the file reading.

FACTS_HW_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LC_NUMERIC": "C.UTF-8"}

FACTS_FORM_FACTORS = [
    "Unknown", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower",
    "Tower", "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station", "All In One",
    "Sub Notebook", "Space-saving", "Lunch Box", "Main Server Chassis", "Expansion Chassis",
    "Sub Chassis", "Bus Expansion Chassis", "Peripheral Chassis", "RAID Chassis",
    "Rack Mount Chassis", "Sealed-case PC", "Multi-system", "CompactPCI", "AdvancedTCA", "Blade",
    "Blade Enclosure", "Tablet", "Convertible", "Detachable", "IoT Gateway", "Embedded PC",
    "Mini PC", "Stick PC",
]

# fact -> (sysfs DMI file, dmidecode keyword)
FACTS_DMI = (
    ("bios_date", "bios_date", "bios-release-date"),
    ("bios_vendor", "bios_vendor", "bios-vendor"),
    ("bios_version", "bios_version", "bios-version"),
    ("board_asset_tag", "board_asset_tag", "baseboard-asset-tag"),
    ("board_name", "board_name", "baseboard-product-name"),
    ("board_serial", "board_serial", "baseboard-serial-number"),
    ("board_vendor", "board_vendor", "baseboard-manufacturer"),
    ("board_version", "board_version", "baseboard-version"),
    ("chassis_asset_tag", "chassis_asset_tag", "chassis-asset-tag"),
    ("chassis_serial", "chassis_serial", "chassis-serial-number"),
    ("chassis_vendor", "chassis_vendor", "chassis-manufacturer"),
    ("chassis_version", "chassis_version", "chassis-version"),
    ("form_factor", "chassis_type", "chassis-type"),
    ("product_name", "product_name", "system-product-name"),
    ("product_serial", "product_serial", "system-serial-number"),
    ("product_uuid", "product_uuid", "system-uuid"),
    ("product_version", "product_version", "system-version"),
    ("system_vendor", "sys_vendor", "system-manufacturer"),
)
FACTS_DMI_DIR = "/sys/devices/virtual/dmi/id/"


def facts_bytes_to_human(size):
    for suffix, limit in (("Y", 1 << 80), ("Z", 1 << 70), ("E", 1 << 60), ("P", 1 << 50),
                          ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= limit:
            return "%.2f %sB" % (size / limit, suffix)
    return "%.2f Bytes" % size


def facts_cpu(ctx):
    f = {}
    xen = os.path.exists("/proc/xen")
    if not xen:
        first = facts_lines("/sys/hypervisor/type")[:1]
        xen = bool(first) and first[0].strip() == "xen"
    xen_paravirt = False
    if not os.access("/proc/cpuinfo", os.R_OK):
        return f
    f["processor"] = []
    count = vendors = models = processors = 0
    physid = coreid = 0
    sockets, cores = {}, {}
    zp = zmt = 0
    for line in facts_lines("/proc/cpuinfo"):
        parts = line.split(":", 1)
        key = parts[0].strip()
        val = parts[1].strip() if len(parts) > 1 else ""
        if xen and key == "flags" and "vme" not in val:
            # Xen paravirt guests hide vme and list CPUs differently.
            xen_paravirt = True
        if key == "flags":
            f["flags"] = val.split()
        if key in ("model name", "Processor", "vendor_id", "cpu", "Vendor", "processor"):
            f["processor"].append(val)
            vendors += key == "vendor_id"
            models += key == "model name"
            processors += key == "processor"
            count += 1
        elif key == "physical id":
            physid = val
            if physid not in sockets:
                sockets[physid] = 1
        elif key == "core id":
            coreid = val
            # ansible checks the sockets table here.
            if coreid not in sockets:
                cores[coreid] = 1
        elif key == "cpu cores":
            sockets[physid] = int(val)
        elif key == "siblings":
            cores[coreid] = int(val)
        elif key == "# processors":
            zp = int(val)
        elif key == "max thread id":
            zmt = int(val) + 1
        elif key == "ncpus active":
            count = int(val)
    if vendors > 0 and vendors == models:
        count = vendors
    arch = ctx.collected.get("ansible_architecture", "")
    if arch.startswith(("armv", "aarch", "ppc")):
        count = processors
    if arch == "s390x":
        f.update(processor_count=1, processor_cores=round(zp / zmt), processor_threads_per_core=zmt,
                 processor_vcpus=zp, processor_nproc=zp)
    elif xen_paravirt:
        f.update(processor_count=count, processor_cores=count, processor_threads_per_core=1,
                 processor_vcpus=count, processor_nproc=count)
    else:
        f["processor_count"] = len(sockets) if sockets else count
        per_socket = list(sockets.values())
        f["processor_cores"] = per_socket[0] if per_socket and per_socket[0] else 1
        per_core = list(cores.values())
        f["processor_threads_per_core"] = round((per_core[0] if per_core else 1) / f["processor_cores"])
        f["processor_vcpus"] = (f["processor_threads_per_core"] * f["processor_count"]
                                * f["processor_cores"])
        f["processor_nproc"] = processors
    try:
        f["processor_nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    return f


def facts_memory():
    f = {}
    if not os.access("/proc/meminfo", os.R_OK):
        return f
    top = ("MemTotal", "SwapTotal", "MemFree", "SwapFree")
    stats = {}
    for line in facts_lines("/proc/meminfo"):
        parts = line.split(":", 1)
        key = parts[0]
        if key in top or key in ("Buffers", "Cached", "SwapCached"):
            mb = int(parts[1].strip().split(" ")[0]) // 1024
            if key in top:
                f["%s_mb" % key.lower()] = mb
            stats[key.lower()] = mb
    g = stats.get
    if None not in (g("memtotal"), g("memfree")):
        stats["real:used"] = stats["memtotal"] - stats["memfree"]
    if None not in (g("cached"), g("memfree"), g("buffers")):
        stats["nocache:free"] = stats["cached"] + stats["memfree"] + stats["buffers"]
    if None not in (g("memtotal"), g("nocache:free")):
        stats["nocache:used"] = stats["memtotal"] - stats["nocache:free"]
    if None not in (g("swaptotal"), g("swapfree")):
        stats["swap:used"] = stats["swaptotal"] - stats["swapfree"]
    f["memory_mb"] = {
        "real": {"total": g("memtotal"), "used": g("real:used"), "free": g("memfree")},
        "nocache": {"free": g("nocache:free"), "used": g("nocache:used")},
        "swap": {"total": g("swaptotal"), "free": g("swapfree"), "used": g("swap:used"),
                 "cached": g("swapcached")},
    }
    return f


def facts_dmi(ctx):
    f = {}
    if os.path.exists(FACTS_DMI_DIR + "product_name"):
        for key, name, _ in FACTS_DMI:
            data = facts_read(FACTS_DMI_DIR + name)
            if data is None:
                f[key] = "NA"
            elif key == "form_factor":
                try:
                    f[key] = FACTS_FORM_FACTORS[int(data)]
                except IndexError:
                    f[key] = "unknown (%s)" % data
            else:
                f[key] = data
        return f
    dmi = ctx.bin("dmidecode")
    if dmi is None:
        return dict((key, "NA") for key, _, _ in FACTS_DMI)
    for key, _, keyword in FACTS_DMI:
        rc, out, _ = ctx.run("dmidecode-" + keyword, [dmi, "-s", keyword], env=facts_command_env(FACTS_HW_ENV))
        if rc == 0:
            f[key] = "".join(line for line in out.splitlines() if not line.startswith("#"))
        else:
            f[key] = "NA"
    return f


def facts_sysinfo():
    """/proc/sysinfo of s390 machines."""
    if not os.path.exists("/proc/sysinfo"):
        return {}
    f = dict.fromkeys(("system_vendor", "product_version", "product_serial", "product_name",
                       "product_uuid"), "NA")
    pattern = re.compile(r"^(?:Manufacturer:\s+(?P<system_vendor>.+))|"
                         r"(?:Type:\s+(?P<product_name>.+))|"
                         r"(?:Sequence Code:\s+0+(?P<product_serial>.+))$", re.MULTILINE)
    for m in pattern.finditer(facts_read("/proc/sysinfo")):
        f.update((k, v) for k, v in m.groupdict().items() if v is not None)
    return f


def facts_device_links(link_dir):
    if not os.path.exists(link_dir):
        return {}
    try:
        found = {}
        for entry in os.listdir(link_dir):
            try:
                target = os.path.basename(os.readlink(os.path.join(link_dir, entry)))
            except OSError:
                continue
            found.setdefault(target, set()).add(entry)
        return dict((k, sorted(v)) for k, v in found.items())
    except OSError:
        return {}


def facts_device_masters():
    found = {}
    for path in glob.glob("/sys/block/*/slaves/*"):
        parts = path.split("/")
        found.setdefault(parts[5], set()).add(parts[3])
    return dict((k, sorted(v)) for k, v in found.items())


def facts_holders(entry, sysdir):
    entry["holders"] = []
    if os.path.isdir(sysdir + "/holders"):
        for folder in os.listdir(sysdir + "/holders"):
            if not folder.startswith("dm-"):
                continue
            name = facts_read(sysdir + "/holders/" + folder + "/dm/name")
            entry["holders"].append(name if name else folder)


def facts_partition_uuid(name):
    try:
        uuids = os.listdir("/dev/disk/by-uuid")
    except OSError:
        return None
    for uuid in uuids:
        if os.path.realpath("/dev/disk/by-uuid/" + uuid) == "/dev/" + name:
            return uuid
    return None


def facts_sg_inq_serial(ctx, sg_inq, block):
    rc, out, _ = ctx.run("sg_inq-" + block, [sg_inq, "/dev/%s" % block], env=facts_command_env(FACTS_HW_ENV))
    if rc == 0:
        m = re.search(r"(?:Unit serial|Serial) number:\s+(\w+)", out)
        if m:
            return m.group(1)
    return None


def facts_block_sizes(entry, sysdir, sectorsize_default):
    entry["sectorsize"] = facts_read(sysdir + "/queue/logical_block_size")
    if not entry["sectorsize"]:
        entry["sectorsize"] = facts_read(sysdir + "/queue/hw_sector_size", sectorsize_default)


def facts_devices(ctx):
    f = {"devices": {}}
    lspci = ctx.bin("lspci")
    pcidata = None
    if lspci:
        pcidata = ctx.run("lspci", [lspci, "-D"], env=facts_command_env(FACTS_HW_ENV))[1]
    try:
        blocks = os.listdir("/sys/block")
    except OSError:
        return f
    wwns = {}
    try:
        by_id = os.listdir("/dev/disk/by-id")
    except OSError:
        by_id = []
    for name in by_id:
        if name.startswith("wwn-"):
            try:
                wwns[os.path.basename(os.readlink(os.path.join("/dev/disk/by-id", name)))] = name[4:]
            except OSError:
                continue
    links = {"ids": facts_device_links("/dev/disk/by-id"),
             "uuids": facts_device_links("/dev/disk/by-uuid"),
             "labels": facts_device_links("/dev/disk/by-label"),
             "masters": facts_device_masters()}
    f["device_links"] = links
    sg_inq = ctx.bin("sg_inq")
    for block in blocks:
        virtual = 1
        try:
            path = os.readlink(os.path.join("/sys/block/", block))
            no_links = False
        except OSError as e:
            if e.errno != errno.EINVAL:
                continue
            path, no_links = block, True
        sysdir = os.path.join("/sys/block", path)
        if no_links and any("device" in d for d in os.listdir(sysdir)):
            virtual = 0
        d = {"virtual": virtual, "links": dict((t, v.get(block, [])) for t, v in links.items())}
        diskname = os.path.basename(sysdir)
        for key in ("vendor", "model", "sas_address", "sas_device_handle"):
            d[key] = facts_read(sysdir + "/device/" + key)
        if sg_inq:
            serial = facts_sg_inq_serial(ctx, sg_inq, block)
        else:
            serial = facts_read("/sys/block/%s/device/serial" % block)
        if serial:
            d["serial"] = serial
        d["removable"] = facts_read(sysdir + "/removable")
        # Discard is unsupported when the device allows no bytes at all.
        if facts_read(sysdir + "/queue/discard_max_hw_bytes") == "0":
            d["support_discard"] = "0"
        else:
            d["support_discard"] = facts_read(sysdir + "/queue/discard_granularity")
        if diskname in wwns:
            d["wwn"] = wwns[diskname]
        d["partitions"] = {}
        for folder in os.listdir(sysdir):
            m = re.search("(" + diskname + r"[p]?\d+)", folder)
            if not m:
                continue
            partname = m.group(1)
            psys = sysdir + "/" + partname
            part = {"links": dict((t, v.get(partname, [])) for t, v in links.items())}
            part["start"] = facts_read(psys + "/start", 0)
            facts_block_sizes(part, psys, 512)
            part["sectors"] = int(facts_read(psys + "/size", 0)) * 512 // int(part["sectorsize"])
            part["size"] = facts_bytes_to_human(float(part["sectors"]) * float(part["sectorsize"]))
            part["uuid"] = facts_partition_uuid(partname)
            facts_holders(part, psys)
            d["partitions"][partname] = part
        d["rotational"] = facts_read(sysdir + "/queue/rotational")
        d["scheduler_mode"] = ""
        scheduler = facts_read(sysdir + "/queue/scheduler")
        if scheduler is not None:
            m = re.match(r".*?(\[(.*)\])", scheduler)
            if m:
                d["scheduler_mode"] = m.group(2)
        facts_block_sizes(d, sysdir, 512)
        d["sectors"] = int(facts_read(sysdir + "/size")) * 512 // int(d["sectorsize"]) or 0
        d["size"] = facts_bytes_to_human(float(d["sectors"]) * float(d["sectorsize"]))
        d["host"] = ""
        m = re.match(r".+/([a-f0-9]{4}:[a-f0-9]{2}:[0|1][a-f0-9]\.[0-7])/", sysdir)
        if m and pcidata:
            m = re.search("^" + re.escape(m.group(1)) + r"\s(.*)$", pcidata, re.MULTILINE)
            if m:
                d["host"] = m.group(1)
        facts_holders(d, sysdir)
        f["devices"][diskname] = d
    return f


def facts_uptime():
    data = facts_read("/proc/uptime")
    if not data:
        return {}
    return {"uptime_seconds": int(float(data.split(" ")[0]))}


def facts_lvm_rows(ctx, tool, key):
    rc, out, _ = ctx.run(key, [tool, "--noheadings", "--nosuffix", "--units", "g", "--separator", ","],
                         env=facts_command_env(FACTS_HW_ENV))
    return [line.strip().split(",") for line in out.splitlines()]


def facts_lvm(ctx):
    vgs_bin = ctx.bin("vgs")
    if vgs_bin is None or os.getuid() != 0:
        return {"lvm": "N/A"}
    vgs = {}
    for items in facts_lvm_rows(ctx, vgs_bin, "vgs"):
        vgs[items[0]] = {"size_g": items[-2], "free_g": items[-1], "num_lvs": items[2],
                         "num_pvs": items[1]}
    lvs = {}
    if ctx.bin("lvs"):
        for items in facts_lvm_rows(ctx, ctx.bin("lvs"), "lvs"):
            lvs[items[0]] = {"size_g": items[3], "vg": items[1]}
    pvs = {}
    if ctx.bin("pvs"):
        for items in facts_lvm_rows(ctx, ctx.bin("pvs"), "pvs"):
            pvs[facts_mapper_name(ctx, items[0])] = {"size_g": items[4], "free_g": items[5],
                                                     "vg": items[1]}
    return {"lvm": {"lvs": lvs, "vgs": vgs, "pvs": pvs}}


def facts_mapper_name(ctx, device):
    if not device.startswith("/dev/dm-"):
        return device
    dmsetup = ctx.bin("dmsetup")
    if dmsetup is None:
        # ansible asks for dmsetup as required: the whole module fails.
        raise ModuleFail(msg='Failed to find required executable "dmsetup" in paths: %s'
                         % os.pathsep.join(facts_bin_dirs()))
    rc, out, _ = ctx.run("dmsetup-" + device, [dmsetup, "info", "-C", "--noheadings", "-o", "name", device],
                         env=facts_command_env(FACTS_HW_ENV))
    return "/dev/mapper/" + out.rstrip() if rc == 0 else device


def facts_lsblk_args(ctx):
    # --exclude 2 leaves out floppy drives, slow to answer.
    return [ctx.bin("lsblk"), "--list", "--noheadings", "--paths", "--output", "NAME,UUID",
            "--exclude", "2"]


def facts_lsblk_uuids(ctx):
    uuids = {}
    if not ctx.bin("lsblk"):
        return uuids
    rc, out, _ = ctx.run("lsblk", facts_lsblk_args(ctx), env=facts_command_env(FACTS_HW_ENV))
    if rc != 0:
        return uuids
    for line in out.splitlines():
        fields = line.strip().rsplit(None, 1)
        if len(fields) < 2:
            continue
        name, uuid = fields[0].strip(), fields[1].strip()
        uuids.setdefault(name, uuid)
    return uuids


def facts_udev_uuid(ctx, device):
    """The ID_FS_UUID `udevadm info --query property --name DEVICE` would
    print, read from udev's database."""
    if not ctx.bin("udevadm"):
        return "N/A"
    try:
        st = os.stat(device)
    except (OSError, ValueError):
        return "N/A"
    if not _stat.S_ISBLK(st.st_mode):
        return "N/A"
    data = facts_read("/run/udev/data/b%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)),
                      default="", strip=False)
    for line in data.splitlines():
        if line.startswith("E:ID_FS_UUID="):
            return line[len("E:ID_FS_UUID="):]
    return "N/A"


def facts_bind_mounts(ctx):
    """Mount points findmnt shows as `SOURCE[/dir]`: mounts of a part of
    a filesystem (root other than `/` in mountinfo)."""
    found = set()
    if not ctx.bin("findmnt"):
        return found
    for line in facts_lines("/proc/self/mountinfo"):
        fields = line.split()
        if len(fields) < 5:
            continue
        root, target = fields[3], facts_unescape_mount(fields[4])
        # ansible splits findmnt's columns on whitespace.
        if root != "/" and len(target.split()) == 1:
            found.add(target)
    return found


def facts_unescape_mount(text):
    return re.sub(r"\\[0-9]{3}", lambda m: chr(int(m.group()[1:], 8)), text)


class FactsMountProbe(threading.Thread):
    """statvfs and UUID of one mount in a thread, so a hung network
    filesystem costs at most gather_timeout."""

    def __init__(self, ctx, mount, device, uuids):
        threading.Thread.__init__(self)
        self.daemon = True
        self.ctx, self.mount, self.device, self.uuids = ctx, mount, device, uuids
        self.result = None
        self.error = None

    def run(self):
        try:
            size = mount_sizes(self.mount)
            uuid = self.uuids[self.device] if self.device in self.uuids else facts_udev_uuid(self.ctx, self.device)
            self.result = (size, uuid)
        except Exception as e:
            self.error = e


def facts_mounts(ctx):
    binds = facts_bind_mounts(ctx)
    uuids = facts_lsblk_uuids(ctx)
    mtab = "/etc/mtab" if os.path.exists("/etc/mtab") else "/proc/mounts"
    entries = {}
    for line in facts_read(mtab, "").splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        fields = [facts_unescape_mount(x) for x in fields]
        device, mount, fstype, options = fields[0], fields[1], fields[2], fields[3]
        dump, passno = int(fields[4]), int(fields[5])
        if (not device.startswith(("/", "\\")) and ":/" not in device) or fstype == "none":
            continue
        info = {"mount": mount, "device": device, "fstype": fstype, "options": options,
                "dump": dump, "passno": passno}
        if mount in binds and not re.match(r'.*bind.*"', options):
            info["options"] += ",bind"
        # A mount point listed twice keeps its first place, last entry.
        entries[mount] = info
    probes = []
    for mount, info in entries.items():
        probe = FactsMountProbe(ctx, mount, info["device"], uuids)
        probe.start()
        probes.append((info, probe))
    deadline = time.monotonic() + ctx.gather_timeout
    mounts = []
    for info, probe in probes:
        probe.join(max(0.0, deadline - time.monotonic()))
        if probe.is_alive():
            ctx.warn("Timeout exceeded when getting mount info for %s" % info["mount"])
            info["note"] = "Could not get extra information due to timeout"
        elif probe.error is not None:
            info["note"] = "Could not get extra information: %s" % probe.error
        else:
            size, uuid = probe.result
            info.update(size)
            info["uuid"] = uuid or "N/A"
        mounts.append(info)
    return {"mounts": mounts}


def facts_start_hardware(ctx):
    if ctx.bin("lsblk"):
        ctx.start("lsblk", facts_lsblk_args(ctx), env=facts_command_env(FACTS_HW_ENV))
    if ctx.bin("lspci"):
        ctx.start("lspci", [ctx.bin("lspci"), "-D"], env=facts_command_env(FACTS_HW_ENV))


@fact_collector("hardware", ids=("processor", "processor_cores", "processor_count", "mounts",
                                 "devices"),
                requires=("platform",), commands=facts_start_hardware)
def facts_hardware(ctx):
    if os.uname().sysname != "Linux":
        return {}
    f = {}
    f.update(facts_cpu(ctx))
    f.update(facts_memory())
    f.update(facts_dmi(ctx))
    f.update(facts_sysinfo())
    f.update(facts_devices(ctx))
    f.update(facts_uptime())
    f.update(facts_lvm(ctx))
    f.update(facts_mounts(ctx))
    return f
