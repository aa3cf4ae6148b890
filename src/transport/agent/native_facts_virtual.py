# mitorun agent: virtualization facts (ansible's Linux `virtual`
# collector): container and hypervisor evidence from cgroups, pid 1's
# environment, DMI strings, cpuinfo and loaded kernel modules, checked in
# ansible's order. The first finding sets virtualization_type/role; every
# finding adds to the guest/host technology lists.

FACTS_CONTAINER_TECH = frozenset(("docker", "lxc", "podman", "openvz", "containerd"))


class FactsVirtual(object):
    def __init__(self):
        self.facts = {}
        self.found = False
        self.guest = set()
        self.host = set()

    def saw(self, tech, kind=None, role="guest", side="guest"):
        """Record `tech`; the first finding also names type and role."""
        (self.guest if side == "guest" else self.host).add(tech)
        if not self.found:
            self.facts["virtualization_type"] = kind or tech
            if role is not None:
                self.facts["virtualization_role"] = role
            self.found = True


def facts_virtual_containers(v):
    if os.path.exists("/proc/1/cgroup"):
        for line in facts_lines("/proc/1/cgroup"):
            if re.search(r"/docker(/|-[0-9a-f]+\.scope)", line):
                v.saw("docker")
            if re.search("/lxc/", line) or re.search("/machine.slice/machine-lxc", line):
                v.saw("lxc")
            if re.search("/system.slice/containerd.service", line):
                v.saw("containerd")
    if os.path.exists("/proc/1/environ"):
        for line in facts_lines("/proc/1/environ", sep="\x00"):
            if re.search("container=lxc", line):
                v.saw("lxc")
            if re.search("container=podman", line):
                v.saw("podman")
            if re.search("^container=.", line):
                v.saw("container")
    if os.path.exists("/proc/vz") and not os.path.exists("/proc/lve"):
        v.facts["virtualization_type"] = "openvz"
        if os.path.exists("/proc/bc"):
            v.host.add("openvz")
            if not v.found:
                v.facts["virtualization_role"] = "host"
        else:
            v.guest.add("openvz")
            if not v.found:
                v.facts["virtualization_role"] = "guest"
        v.found = True
    systemd_container = facts_read("/run/systemd/container")
    if systemd_container:
        v.saw(systemd_container)
    if os.path.exists("/.dockerenv") or os.path.exists("/.dockerinit"):
        v.saw("docker")
    if v.guest & FACTS_CONTAINER_TECH or systemd_container:
        v.guest.add("container")


def facts_virtual_xen(v):
    if not os.path.exists("/proc/xen"):
        return
    is_host = any("control_d" in line for line in facts_lines("/proc/xen/capabilities"))
    if is_host:
        v.host.add("xen")
    if not v.found:
        v.facts["virtualization_type"] = "xen"
        v.facts["virtualization_role"] = "host" if is_host else "guest"
    v.found = True


def facts_virtual_dmi(v):
    dmi = "/sys/devices/virtual/dmi/id/"
    product = facts_read(dmi + "product_name")
    vendor = facts_read(dmi + "sys_vendor")
    family = facts_read(dmi + "product_family")
    bios = facts_read(dmi + "bios_vendor")
    # Type only: the role stays the assumed `guest`.
    if product in ("KVM", "KVM Server", "Bochs", "AHV", "CloudStack KVM Hypervisor"):
        v.saw("kvm", role=None)
    if vendor == "oVirt":
        v.saw("oVirt", role=None)
    if vendor == "Red Hat":
        if family == "RHV":
            v.saw("RHV", role=None)
        elif product == "RHEV Hypervisor":
            v.saw("RHEV", role=None)
    if product and product.startswith("VMware"):
        v.saw("VMware", role=None)
    if product in ("OpenStack Compute", "OpenStack Nova"):
        v.saw("openstack", role=None)
    if bios == "Xen":
        v.saw("xen", role=None)
    if bios == "innotek GmbH":
        v.saw("virtualbox", role=None)
    if bios in ("Amazon EC2", "DigitalOcean", "Hetzner", "Linode"):
        v.saw("kvm", role=None)
    if vendor in ("QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix"):
        v.saw("kvm", role=None)
    if vendor == "KubeVirt":
        v.saw("KubeVirt", role=None)
    if vendor == "Microsoft Corporation":
        v.saw("VirtualPC", role=None)
    if vendor == "Parallels Software International Inc.":
        v.saw("parallels", role=None)
    if vendor == "OpenStack Foundation":
        v.saw("openstack", role=None)


def facts_virtual_vserver(v):
    for line in facts_lines("/proc/self/status") if os.path.exists("/proc/self/status") else ():
        if re.match(r"^VxID:\s+\d+", line):
            if not v.found:
                v.facts["virtualization_type"] = "linux_vserver"
            host = re.match(r"^VxID:\s+0", line) is not None
            (v.host if host else v.guest).add("linux_vserver")
            if not v.found:
                v.facts["virtualization_role"] = "host" if host else "guest"
            v.found = True


def facts_virtual_cpuinfo(ctx, v):
    if not os.path.exists("/proc/cpuinfo"):
        return
    for line in facts_lines("/proc/cpuinfo"):
        if re.match("^model name.*QEMU Virtual CPU", line):
            tech = "kvm"
        elif re.match("^vendor_id.*User Mode Linux", line) or re.match("^model name.*UML", line):
            tech = "uml"
        elif re.match("^machine.*CHRP IBM pSeries .emulated by qemu.", line):
            tech = "kvm"
        elif re.match("^vendor_id.*PowerVM Lx86", line):
            tech = "powervm_lx86"
        elif re.match("^vendor_id.*IBM/S390", line):
            tech = "PR/SM"
        else:
            continue
        v.guest.add(tech)
        if not v.found:
            v.facts["virtualization_type"] = tech
        if tech == "PR/SM":
            lscpu = ctx.bin("lscpu")
            if lscpu:
                rc, out, _ = ctx.run("lscpu", ["lscpu"])
                if rc == 0:
                    for row in out.splitlines():
                        parts = row.split(":", 1)
                        if parts[0].strip() == "Hypervisor":
                            hv = parts[1].strip()
                            v.guest.add(hv)
                            if not v.found:
                                v.facts["virtualization_type"] = hv
            else:
                v.guest.add("ibm_systemz")
                if not v.found:
                    v.facts["virtualization_type"] = "ibm_systemz"
        if not v.found:
            lpar = v.facts.get("virtualization_type") == "PR/SM"
            v.facts["virtualization_role"] = "LPAR" if lpar else "guest"
            v.found = True


def facts_virtual_modules(v):
    if not (os.path.exists("/proc/modules") and os.access("/proc/modules", os.R_OK)):
        return
    modules = [line.split(" ", 1)[0] for line in facts_lines("/proc/modules")]
    if "kvm" in modules:
        v.host.add("kvm")
        if not v.found:
            v.facts["virtualization_type"] = "kvm"
            v.facts["virtualization_role"] = "host"
        if os.path.isdir("/rhev/"):
            # A RHEV hypervisor runs vdsm.
            for comm in glob.glob("/proc/[0-9]*/comm"):
                try:
                    with open(comm) as f:
                        if f.read().rstrip() in ("vdsm", "vdsmd"):
                            v.host.add("RHEV")
                            if not v.found:
                                v.facts["virtualization_type"] = "RHEV"
                            break
                except Exception:
                    pass
        v.found = True
    if "vboxdrv" in modules:
        v.saw("virtualbox", role="host", side="host")
    if "virtio" in modules:
        v.saw("kvm", side="host")


def facts_virtual_dmidecode(ctx, v):
    dmi = ctx.bin("dmidecode")
    if dmi is None:
        return
    rc, out, _ = ctx.run("dmidecode-product", [dmi, "-s", "system-product-name"])
    if rc != 0:
        return
    product = "".join(line.strip() for line in out.splitlines() if not line.startswith("#"))
    if product.startswith("VMware"):
        v.saw("VMware")
    if "BHYVE" in out:
        v.saw("bhyve")


@fact_collector("virtual", ids=("virtualization_type", "virtualization_role",
                                "virtualization_tech_guest", "virtualization_tech_host"))
def facts_virtual(ctx):
    if os.uname().sysname != "Linux":
        # ansible's answer where it has no collector for the platform.
        return {"virtualization_type": "", "virtualization_role": "",
                "virtualization_tech_guest": [], "virtualization_tech_host": []}
    v = FactsVirtual()
    facts_virtual_containers(v)
    facts_virtual_xen(v)
    # Assume a guest from here on, unless nothing is found.
    if not v.found:
        v.facts["virtualization_role"] = "guest"
    facts_virtual_dmi(v)
    if not v.found:
        del v.facts["virtualization_role"]
    facts_virtual_vserver(v)
    facts_virtual_cpuinfo(ctx, v)
    facts_virtual_modules(v)
    facts_virtual_dmidecode(ctx, v)
    if os.path.exists("/dev/kvm"):
        v.saw("kvm", role="host", side="host")
    if not v.found:
        v.facts["virtualization_type"] = "NA"
        v.facts["virtualization_role"] = "NA"
    f = dict(v.facts)
    # ansible returns sets here, whose order varies run to run.
    f["virtualization_tech_guest"] = sorted(v.guest)
    f["virtualization_tech_host"] = sorted(v.host)
    return f
