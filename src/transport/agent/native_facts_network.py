# mitorun agent: network facts: resolv.conf (`dns`), FC/iSCSI/NVMe
# initiator names and ansible's Linux `network` collector. ansible runs
# `ip` several times per interface; here one rtnetlink address dump and
# three route queries give the same words `ip` would print, which then go
# through ansible's parsing rules. Without netlink (a restricted sandbox)
# `ip` itself runs, as ansible does.

FACTS_IFACE_TYPES = {"1": "ether", "32": "infiniband", "512": "ppp", "772": "loopback",
                     "65534": "tunnel"}
FACTS_V4_PROBE = "8.8.8.8"
FACTS_V6_PROBE = "2404:6800:400a:800::1012"


@fact_collector("dns")
def facts_dns(ctx):
    dns = {}
    for line in facts_read("/etc/resolv.conf", "").splitlines():
        if line.startswith("#") or line.startswith(";") or line.strip() == "":
            continue
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] == "nameserver":
            dns.setdefault("nameservers", []).extend(tokens[1:])
        elif tokens[0] == "domain":
            if len(tokens) > 1:
                dns["domain"] = tokens[1]
        elif tokens[0] in ("search", "sortlist"):
            dns[tokens[0]] = tokens[1:]
        elif tokens[0] == "options":
            dns["options"] = {}
            for option in tokens[1:]:
                parts = option.split(":", 1)
                dns["options"][parts[0]] = len(parts) == 2 and parts[1] or True
    return {"dns": dns}


@fact_collector("fibre_channel_wwn")
def facts_fc_wwn(ctx):
    wwns = []
    if sys.platform.startswith("linux"):
        for path in glob.glob("/sys/class/fc_host/*/port_name"):
            wwns.extend(line.rstrip()[2:] for line in facts_lines(path))
    return {"fibre_channel_wwn": wwns}


class FactsNetlink(object):
    """A NETLINK_ROUTE socket speaking just enough rtnetlink for what
    `ip addr show` and `ip route get/show` print."""

    HEADER = struct.Struct("=IHHII")
    RTA = struct.Struct("=HH")
    NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
    NLMSG_ERROR, NLMSG_DONE = 2, 3
    RTM_NEWROUTE, RTM_GETROUTE, RTM_NEWADDR, RTM_GETADDR = 24, 26, 20, 22

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.sock.settimeout(5)
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self):
        self.sock.close()

    def request(self, kind, payload, dump):
        """The messages answering one request; an error reply raises
        OSError with the kernel's errno."""
        self.seq += 1
        flags = self.NLM_F_REQUEST | (self.NLM_F_DUMP if dump else 0)
        self.sock.send(self.HEADER.pack(self.HEADER.size + len(payload), kind, flags, self.seq, 0) + payload)
        found = []
        while True:
            data = self.sock.recv(1 << 18)
            offset = 0
            while offset + self.HEADER.size <= len(data):
                length, mtype, _, seq, _ = self.HEADER.unpack_from(data, offset)
                if length < self.HEADER.size:
                    raise OSError(errno.EPROTO, "bad netlink message")
                body = data[offset + self.HEADER.size:offset + length]
                offset += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if mtype == self.NLMSG_DONE:
                    return found
                if mtype == self.NLMSG_ERROR:
                    code = struct.unpack_from("=i", body)[0]
                    if code:
                        raise OSError(-code, os.strerror(-code))
                    return found
                found.append((mtype, body))
                if not dump:
                    return found

    @classmethod
    def attrs(cls, data, offset):
        out = {}
        while offset + cls.RTA.size <= len(data):
            length, kind = cls.RTA.unpack_from(data, offset)
            if length < cls.RTA.size:
                break
            out.setdefault(kind & 0x3fff, data[offset + cls.RTA.size:offset + length])
            offset += (length + 3) & ~3
        return out


FACTS_SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}


def facts_inet_ntop(family, raw):
    return socket.inet_ntop(family, raw)


def facts_nl_addresses(nl):
    """ifindex -> [(is_secondary, words)] in dump order, the address lines
    of `ip addr show` split into words."""
    payload = struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0)
    by_index = {}
    for mtype, body in nl.request(nl.RTM_GETADDR, payload, dump=True):
        if mtype != nl.RTM_NEWADDR or len(body) < 8:
            continue
        family, plen, flags, scope, index = struct.unpack_from("=BBBBI", body)
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        a = nl.attrs(body, 8)
        if 8 in a and len(a[8]) >= 4:
            flags = struct.unpack("=I", a[8][:4])[0]
        local = a.get(2) or a.get(1)
        address = a.get(1) or a.get(2)
        if local is None:
            continue
        words = ["inet" if family == socket.AF_INET else "inet6", facts_inet_ntop(family, local)]
        if address != local:
            words += ["peer", facts_inet_ntop(family, address) + "/%d" % plen]
        else:
            words[1] += "/%d" % plen
        if 4 in a:
            words += ["brd", facts_inet_ntop(family, a[4])]
        words += ["scope", FACTS_SCOPES.get(scope, str(scope))]
        # Bit 0 is `secondary` for IPv4 and `temporary` for IPv6: what
        # `ip addr show secondary` selects either way.
        secondary = bool(flags & 1)
        if secondary:
            words.append("secondary" if family == socket.AF_INET else "temporary")
        if 3 in a:
            words.append(a[3].rstrip(b"\0").decode("utf-8", "surrogateescape"))
        by_index.setdefault(index, []).append((secondary, words))
    return by_index


def facts_nl_route_get(nl, family, dest):
    """The words of `ip route get DEST`, or None when there is no route."""
    raw = socket.inet_pton(family, dest)
    head = struct.pack("=BBBBBBBBI", family, len(raw) * 8, 0, 0, 0, 0, 0, 0, 0)
    rta = struct.pack("=HH", 4 + len(raw), 1) + raw
    try:
        replies = nl.request(nl.RTM_GETROUTE, head + rta, dump=False)
    except OSError:
        return None
    for mtype, body in replies:
        if mtype != nl.RTM_NEWROUTE or len(body) < 12:
            continue
        rtype = body[7]
        a = nl.attrs(body, 12)
        # `ip` names the type first unless it is unicast.
        words = [] if rtype == 1 else ["type%d" % rtype]
        words.append(facts_inet_ntop(family, a[1]) if 1 in a else dest)
        if 5 in a:
            words += ["via", facts_inet_ntop(family, a[5])]
        if 4 in a:
            index = struct.unpack("=i", a[4][:4])[0]
            try:
                words += ["dev", socket.if_indextoname(index)]
            except OSError:
                words += ["dev", "if%d" % index]
        if 7 in a:
            words += ["src", facts_inet_ntop(family, a[7])]
        return words
    return None


def facts_nl_local_routes(nl, family):
    """Destinations of `local` routes in table local, as `ip route show
    table local` prints them (host routes without a length)."""
    head = struct.pack("=BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)
    found = []
    for mtype, body in nl.request(nl.RTM_GETROUTE, head, dump=True):
        if mtype != nl.RTM_NEWROUTE or len(body) < 12:
            continue
        dst_len, table, rtype = body[1], body[4], body[7]
        a = nl.attrs(body, 12)
        if 15 in a:
            table = struct.unpack("=I", a[15][:4])[0]
        if table != 255 or rtype != 2:
            continue
        host_len = 32 if family == socket.AF_INET else 128
        if 1 in a:
            dst = facts_inet_ntop(family, a[1])
            if dst_len != host_len:
                dst += "/%d" % dst_len
        else:
            dst = "0/%d" % dst_len if dst_len else "default"
        found.append(dst)
    return found


class FactsIpSource(object):
    """The `ip` output ansible parses, from netlink or from `ip` itself."""

    def __init__(self, ctx, ip_path):
        self.ctx, self.ip = ctx, ip_path
        self.nl = None
        self.addresses = None
        try:
            self.nl = FactsNetlink()
            self.addresses = facts_nl_addresses(self.nl)
        except (OSError, AttributeError, ValueError, struct.error):
            self.close()

    def close(self):
        if self.nl is not None:
            self.nl.close()
            self.nl = None

    def run_words(self, key, argv):
        rc, out, _ = self.ctx.run(key, argv)
        return rc, [line.split() for line in out.splitlines() if line]

    def route_get(self, family):
        dest = FACTS_V4_PROBE if family == socket.AF_INET else FACTS_V6_PROBE
        if self.nl is not None:
            return facts_nl_route_get(self.nl, family, dest)
        flag = "-4" if family == socket.AF_INET else "-6"
        _, lines = self.run_words("ip-route-get" + flag, [self.ip, flag, "route", "get", dest])
        return lines[0] if lines else None

    def local_routes(self, family):
        if self.nl is not None:
            try:
                return facts_nl_local_routes(self.nl, family)
            except OSError:
                return []
        flag = "-4" if family == socket.AF_INET else "-6"
        rc, lines = self.run_words("ip-route-local" + flag,
                                   [self.ip, flag, "route", "show", "table", "local"])
        return [w[1] for w in lines if rc == 0 and w[0] == "local"]

    def device_lines(self, device, secondary):
        """The words of `ip addr show primary|secondary dev DEVICE`, or
        None where ansible's command would fail."""
        if self.addresses is not None:
            try:
                index = socket.if_nametoindex(device)
            except OSError:
                return None
            return [w for sec, w in self.addresses.get(index, ()) if sec == secondary]
        which = "secondary" if secondary else "primary"
        rc, lines = self.run_words("ip-addr-%s-%s" % (which, device),
                                   [self.ip, "addr", "show", which, "dev", device])
        if rc == 0:
            return lines
        if secondary:
            return None
        # busybox's ip knows no `primary`.
        rc, lines = self.run_words("ip-addr-" + device, [self.ip, "addr", "show", "dev", device])
        return lines if rc == 0 else None


def facts_default_route(source, family, dest):
    words = source.route_get(family)
    found = {}
    if not words or words[0] != dest:
        return found
    for i in range(len(words) - 1):
        if words[i] == "dev":
            found["interface"] = words[i + 1]
        elif words[i] == "src":
            found["address"] = words[i + 1]
        elif words[i] == "via" and words[i + 1] != dest:
            found["gateway"] = words[i + 1]
    return found


def facts_sysfs_interface(path, device, state):
    """The sysfs part of one interface's facts. `state` carries what
    ansible keeps between interfaces: the last MAC address read."""
    iface = {"device": device}
    join = os.path.join
    if os.path.exists(join(path, "address")):
        state["macaddress"] = facts_read(join(path, "address"), default="")
        if state["macaddress"] and state["macaddress"] != "00:00:00:00:00:00":
            iface["macaddress"] = state["macaddress"]
    if os.path.exists(join(path, "mtu")):
        iface["mtu"] = int(facts_read(join(path, "mtu")))
    if os.path.exists(join(path, "operstate")):
        iface["active"] = facts_read(join(path, "operstate")) != "down"
    if os.path.exists(join(path, "device", "driver", "module")):
        iface["module"] = os.path.basename(os.path.realpath(join(path, "device", "driver", "module")))
    if os.path.exists(join(path, "type")):
        iface["type"] = FACTS_IFACE_TYPES.get(facts_read(join(path, "type")), "unknown")
    if os.path.exists(join(path, "bridge")):
        iface["type"] = "bridge"
        iface["interfaces"] = [os.path.basename(b) for b in glob.glob(join(path, "brif", "*"))]
        if os.path.exists(join(path, "bridge", "bridge_id")):
            iface["id"] = facts_read(join(path, "bridge", "bridge_id"), default="")
        if os.path.exists(join(path, "bridge", "stp_state")):
            iface["stp"] = facts_read(join(path, "bridge", "stp_state")) == "1"
    if os.path.exists(join(path, "bonding")):
        bonding = join(path, "bonding")
        iface["type"] = "bonding"
        iface["slaves"] = facts_read(join(bonding, "slaves"), default="").split()
        for key in ("mode", "miimon", "lacp_rate"):
            iface[key] = facts_read(join(bonding, key), default="").split()[0]
        primary = facts_read(join(bonding, "primary"))
        if primary:
            iface["primary"] = primary
            # ansible goes on looking below this file for the remaining
            # attributes (and so finds none of them).
            path = join(bonding, "all_slaves_active")
            if os.path.exists(path):
                iface["all_slaves_active"] = facts_read(path) == "1"
    if os.path.exists(join(path, "bonding_slave")):
        iface["perm_macaddress"] = facts_read(join(path, "bonding_slave", "perm_hwaddr"), default="")
    if os.path.exists(join(path, "device")):
        iface["pciid"] = os.path.basename(os.readlink(join(path, "device")))
    if os.path.exists(join(path, "speed")):
        speed = facts_read(join(path, "speed"))
        if speed is not None:
            iface["speed"] = int(speed)
    if os.path.exists(join(path, "flags")):
        iface["promisc"] = int(facts_read(join(path, "flags")), 16) & 0x0100 > 0
    return iface


def facts_ipv4_entry(words):
    broadcast = ""
    if "/" in words[1]:
        address, plen = words[1].split("/")
        if len(words) > 3 and words[2] == "brd":
            broadcast = words[3]
    else:
        # Point-to-point addresses have no prefix.
        address, plen = words[1], "32"
    addr = struct.unpack("!L", socket.inet_aton(address))[0]
    mask = (1 << 32) - (1 << 32 >> int(plen))
    return {"address": address, "broadcast": broadcast,
            "netmask": socket.inet_ntoa(struct.pack("!L", mask)),
            "network": socket.inet_ntoa(struct.pack("!L", addr & mask)), "prefix": plen}


class FactsInterfaces(object):
    """ansible's reading of `ip addr` lines into interface facts."""

    def __init__(self, default_v4, default_v6):
        self.interfaces = {}
        self.default_v4, self.default_v6 = default_v4, default_v6
        self.all_v4, self.all_v6 = [], []

    def add_lines(self, device, lines, secondary, macaddress):
        ifaces = self.interfaces
        for words in lines:
            if words[0] == "inet":
                entry = facts_ipv4_entry(words)
                label = words[-1]
                if label != device:
                    ifaces[label] = {}
                if not secondary and "ipv4" not in ifaces[label]:
                    ifaces[label]["ipv4"] = entry
                else:
                    ifaces[label].setdefault("ipv4_secondaries", []).append(dict(entry))
                if secondary:
                    ifaces[device].setdefault("ipv4_secondaries", [])
                    if device != label:
                        ifaces[device]["ipv4_secondaries"].append(dict(entry))
                if self.default_v4.get("address") == entry["address"] and "address" in self.default_v4:
                    for k in ("broadcast", "netmask", "network"):
                        self.default_v4[k] = entry[k]
                    self.default_v4["prefix"] = entry["prefix"]
                    self.default_v4["macaddress"] = macaddress
                    self.default_v4["mtu"] = ifaces[device]["mtu"]
                    self.default_v4["type"] = ifaces[device].get("type", "unknown")
                    self.default_v4["alias"] = label
                if not entry["address"].startswith("127."):
                    self.all_v4.append(entry["address"])
            elif words[0] == "inet6":
                if words[2] == "peer":
                    address, prefix, scope = words[1], words[3].split("/")[1], words[5]
                else:
                    (address, prefix), scope = words[1].split("/"), words[3]
                ifaces[device].setdefault("ipv6", []).append(
                    {"address": address, "prefix": prefix, "scope": scope})
                if "address" in self.default_v6 and self.default_v6["address"] == address:
                    self.default_v6["prefix"] = prefix
                    self.default_v6["scope"] = scope
                    self.default_v6["macaddress"] = macaddress
                    self.default_v6["mtu"] = ifaces[device]["mtu"]
                    self.default_v6["type"] = ifaces[device].get("type", "unknown")
                if address != "::1":
                    self.all_v6.append(address)


def facts_ethtool(ctx, device):
    data = {}
    ethtool = ctx.bin("ethtool")
    if not ethtool:
        return data
    rc, out, _ = ctx.run("ethtool-k-" + device, [ethtool, "-k", device])
    if rc == 0:
        features = {}
        for line in out.strip().splitlines():
            if not line or line.endswith(":"):
                continue
            key, value = line.split(": ")
            if value:
                features[key.strip().replace("-", "_")] = value.strip()
        data["features"] = features
    rc, out, _ = ctx.run("ethtool-T-" + device, [ethtool, "-T", device])
    if rc == 0:
        data["timestamping"] = [m.lower() for m in re.findall(r"SOF_TIMESTAMPING_(\w+)", out)]
        data["hw_timestamp_filters"] = [m.lower() for m in re.findall(r"HWTSTAMP_FILTER_(\w+)", out)]
        m = re.search(r"PTP Hardware Clock: (\d+)", out)
        if m:
            data["phc_index"] = int(m.group(1))
    return data


def facts_linux_network(ctx):
    ip_path = ctx.bin("ip")
    if ip_path is None:
        return {}
    source = FactsIpSource(ctx, ip_path)
    try:
        c = ctx.collected
        v4 = facts_default_route(source, socket.AF_INET, FACTS_V4_PROBE)
        v6 = {}
        old_redhat = (c.get("ansible_os_family") == "RedHat"
                      and c.get("ansible_distribution_version", "").startswith("4."))
        if not old_redhat and socket.has_ipv6:
            v6 = facts_default_route(source, socket.AF_INET6, FACTS_V6_PROBE)
        found = FactsInterfaces(v4, v6)
        state = {}
        for path in glob.glob("/sys/class/net/*"):
            if not os.path.isdir(path):
                continue
            device = os.path.basename(path)
            found.interfaces[device] = facts_sysfs_interface(path, device, state)
            mac = state.get("macaddress")
            for secondary in (False, True):
                lines = source.device_lines(device, secondary)
                if lines is not None:
                    found.add_lines(device, lines, secondary, mac)
            found.interfaces[device].update(facts_ethtool(ctx, device))
        interfaces = dict((name.replace(":", "_"), v) for name, v in found.interfaces.items())
        f = {"interfaces": list(interfaces)}
        f.update(interfaces)
        f["default_ipv4"] = v4
        f["default_ipv6"] = v6
        f["all_ipv4_addresses"] = found.all_v4
        f["all_ipv6_addresses"] = found.all_v6
        reachable = {"ipv4": [], "ipv6": []}
        for family in (socket.AF_INET, socket.AF_INET6):
            for address in source.local_routes(family):
                key = "ipv6" if ":" in address else "ipv4"
                if address not in reachable[key]:
                    reachable[key].append(address)
        f["locally_reachable_ips"] = reachable
        return f
    finally:
        source.close()


@fact_collector("network", ids=("interfaces", "default_ipv4", "default_ipv6", "all_ipv4_addresses",
                                "all_ipv6_addresses"),
                requires=("distribution", "platform"))
def facts_network(ctx):
    if os.uname().sysname != "Linux":
        return {}
    return facts_linux_network(ctx)


@fact_collector("iscsi")
def facts_iscsi(ctx):
    iqn = ""
    if sys.platform.startswith("linux") or sys.platform.startswith("sunos"):
        for line in facts_read("/etc/iscsi/initiatorname.iscsi", "").splitlines():
            if line.startswith("#") or line.startswith(";") or line.strip() == "":
                continue
            if line.startswith("InitiatorName="):
                iqn = line.split("=", 1)[1]
                break
    return {"iscsi_iqn": iqn}


@fact_collector("nvme")
def facts_nvme(ctx):
    nqn = ""
    if sys.platform.startswith("linux"):
        for line in facts_read("/etc/nvme/hostnqn", "").splitlines():
            if line.startswith("#") or line.startswith(";") or line.strip() == "":
                continue
            if line.startswith("nqn."):
                nqn = line
                break
    return {"hostnqn": nqn}
