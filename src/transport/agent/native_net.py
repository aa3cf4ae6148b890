# mitorun agent: native uri and get_url, result for result with
# ansible-core 2.19's modules. The request goes through urllib.request
# with the handlers ansible's module_utils/urls.py configures (redirect
# policy, auth, proxies, TLS, cookies, unix sockets), because the result
# keys are made from what urllib reports (header order and case, error
# texts). Shipped with the first uri/get_url call (modules::native_code),
# not part of every agent: it imports ssl and urllib, which agents that
# never fetch a URL should not pay for.

import base64 as _net_base64
import datetime as _net_datetime
import email.encoders as _net_encoders
import email.message as _net_message
import email.mime.application as _net_mime_application
import email.mime.multipart as _net_mime_multipart
import email.mime.nonmultipart as _net_mime_nonmultipart
import email.parser as _net_email_parser
import email.policy as _net_email_policy
import gzip as _net_gzip
import hashlib as _net_hashlib
import http.client as _net_http
import http.cookiejar as _net_cookiejar
import json as _net_json
import mimetypes as _net_mimetypes
import platform as _net_platform
import shutil as _net_shutil
import socket as _net_socket
import ssl as _net_ssl
import sys as _net_sys
import tempfile as _net_tempfile
import traceback as _net_traceback
import urllib.error as _net_urlerror
import urllib.parse as _net_urlparse
import urllib.request as _net_urlrequest


def url_options(username_aliases=(), password_aliases=()):
    """The options every URL-fetching module has (url_argument_spec), in
    ansible's order (it decides the order of `invocation.module_args`)."""
    user = {"type": "str"}
    password = {"type": "str", "no_log": True}
    if username_aliases:
        user["aliases"] = list(username_aliases)
    if password_aliases:
        password["aliases"] = list(password_aliases)
    return [
        ("url", {"type": "str", "required": True}),
        ("force", {"type": "bool", "default": False}),
        ("http_agent", {"type": "str", "default": "ansible-httpget"}),
        ("use_proxy", {"type": "bool", "default": True}),
        ("validate_certs", {"type": "bool", "default": True}),
        ("url_username", user),
        ("url_password", password),
        ("force_basic_auth", {"type": "bool", "default": False}),
        ("client_cert", {"type": "path"}),
        ("client_key", {"type": "path"}),
        ("use_gssapi", {"type": "bool", "default": False}),
    ]


URI_SPEC = ArgSpec(dict(url_options(["user"], ["password"]) + [
    ("follow_redirects", {"type": "str", "default": "safe",
                          "choices": ["all", "no", "none", "safe", "urllib2", "yes"]}),
    ("dest", {"type": "path"}),
    ("body", {"type": "raw"}),
    ("body_format", {"type": "str", "default": "raw",
                     "choices": ["form-urlencoded", "json", "raw", "form-multipart"]}),
    ("src", {"type": "path"}),
    ("method", {"type": "str", "default": "GET"}),
    ("return_content", {"type": "bool", "default": False}),
    ("creates", {"type": "path"}),
    ("removes", {"type": "path"}),
    ("status_code", {"type": "list", "elements": "int", "default": [200]}),
    ("timeout", {"type": "int", "default": 30}),
    ("headers", {"type": "dict", "default": {}}),
    ("unix_socket", {"type": "path"}),
    ("remote_src", {"type": "bool", "default": False}),
    ("ca_path", {"type": "path", "default": None}),
    ("unredirected_headers", {"type": "list", "elements": "str", "default": []}),
    ("decompress", {"type": "bool", "default": True}),
    ("ciphers", {"type": "list", "elements": "str"}),
    ("use_netrc", {"type": "bool", "default": True}),
]), mutually_exclusive=[["body", "src"]]).extended(FILE_COMMON_SPEC)

GET_URL_SPEC = ArgSpec(dict(url_options(["username"], ["password"]) + [
    ("dest", {"type": "path", "required": True}),
    ("backup", {"type": "bool", "default": False}),
    ("checksum", {"type": "str", "default": ""}),
    ("timeout", {"type": "int", "default": 10}),
    ("headers", {"type": "dict"}),
    ("tmp_dest", {"type": "path"}),
    ("unredirected_headers", {"type": "list", "elements": "str", "default": []}),
    ("decompress", {"type": "bool", "default": True}),
    ("ciphers", {"type": "list", "elements": "str"}),
    ("use_netrc", {"type": "bool", "default": True}),
])).extended(FILE_COMMON_SPEC)

PEM_CERT_RE = re.compile(r"^-----BEGIN CERTIFICATE-----\n.+?-----END CERTIFICATE-----$",
                         flags=re.M | re.S)


class FetchFail(Exception):
    """fetch_url's own failures (AnsibleModule.fail_json inside it)."""

    def __init__(self, result):
        Exception.__init__(self, result.get("msg"))
        self.result = result


class MissingLibrary(Exception):
    pass


# -- the request (module_utils/urls.py's Request.open) -------------------------

def mask_url(url):
    """The URL with credentials shown as ****."""
    parsed = _net_urlparse.urlparse(url)
    if not parsed.username and not parsed.password:
        return url
    if parsed.password:
        netloc = parsed.netloc.replace("%s:%s@" % (parsed.username, parsed.password), "****:****@")
    else:
        netloc = parsed.netloc.replace("%s@" % parsed.username, "****@")
    return _net_urlparse.urlunparse(parsed._replace(netloc=netloc))


def to_request_bytes(data):
    """Text becomes UTF-8; bytes and file objects pass (to_bytes passthru)."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    return data


def basic_auth_value(username, password):
    if password is None:
        password = ""
    return b"Basic " + _net_base64.b64encode(
        ("%s:%s" % (username, password)).encode("utf-8", "surrogateescape"))


def missing_library_message(library, reason, url):
    return ("Failed to import the required Python library (%s) on %s's Python %s. This is required "
            "%s. See %s for more info. Please read the module documentation and install it in the "
            "appropriate location. If the required library is installed, but Ansible is using the "
            "wrong Python interpreter, please consult the documentation on "
            "ansible_python_interpreter" % (library, _net_platform.node(), _net_sys.executable,
                                            reason, url))


def auth_setup(url, username, password, use_gssapi, force_basic_auth, use_netrc):
    """(url without credentials, extra headers, handlers) for the
    request's authentication: credentials from the arguments, else from
    the URL; handlers that answer a 401, or an Authorization header sent
    at once (force_basic_auth, ~/.netrc)."""
    parsed = _net_urlparse.urlparse(url)
    if parsed.scheme == "ftp":
        return url, {}, []
    headers, handlers = {}, []
    if username:
        netloc = parsed.netloc
    elif "@" in parsed.netloc:
        credentials, netloc = parsed.netloc.split("@", 1)
        if ":" in credentials:
            username, password = credentials.split(":", 1)
        else:
            username, password = credentials, ""
        username = _net_urlparse.unquote(username)
        password = _net_urlparse.unquote(password)
        url = _net_urlparse.urlunparse(parsed._replace(netloc=netloc))
    if use_gssapi:
        # The GSSAPI handler is ansible's own code around the gssapi
        # library; the native module does not have it.
        raise MissingLibrary(missing_library_message(
            "gssapi", "for use_gssapi=True", "https://pypi.org/project/gssapi/"))
    if username and not force_basic_auth:
        passwords = _net_urlrequest.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, netloc, username, password)
        handlers.append(_net_urlrequest.HTTPBasicAuthHandler(passwords))
        handlers.append(_net_urlrequest.HTTPDigestAuthHandler(passwords))
    elif username and force_basic_auth:
        headers["Authorization"] = basic_auth_value(username, password)
    elif use_netrc:
        import netrc as _net_netrc
        try:
            login = _net_netrc.netrc(os.environ.get("NETRC")).authenticators(parsed.hostname)
        except OSError:
            login = None
        if login:
            user, _account, secret = login
            if user and secret:
                headers["Authorization"] = basic_auth_value(user, secret)
    return url, headers, handlers


def extra_ca_certs(capath=None):
    """DER certificates from the places ansible adds to the system trust
    store on this platform (the default capath itself is left to ssl)."""
    found = {}
    defaults = _net_ssl.get_default_verify_paths()
    default_capath = defaults.capath
    dirs = [default_capath or defaults.cafile]
    if capath:
        dirs.append(capath)
    system = _net_platform.system()
    dirs.extend({
        "Linux": ["/etc/pki/ca-trust/extracted/pem", "/etc/pki/tls/certs",
                  "/usr/share/ca-certificates/cacert.org"],
        "FreeBSD": ["/usr/local/share/certs"], "OpenBSD": ["/etc/ssl"],
        "NetBSD": ["/etc/openssl/certs"], "SunOS": ["/opt/local/etc/openssl/certs"],
        "AIX": ["/var/ssl/certs", "/opt/freeware/etc/ssl/certs"],
        "Darwin": ["/usr/local/etc/openssl"],
    }.get(system, []))
    dirs.append("/etc/ansible")
    for d in dirs:
        if not d or d == default_capath or not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            full = os.path.join(d, name)
            if not os.path.isfile(full) or os.path.splitext(name)[1] not in (".pem", ".cer", ".crt"):
                continue
            try:
                with open(full, "r", errors="surrogateescape") as f:
                    text = f.read()
            except OSError:
                continue
            try:
                for pem in PEM_CERT_RE.finditer(text):
                    found[_net_ssl.PEM_cert_to_DER_cert(pem.group(0))] = None
            except Exception:
                continue
    return bytes(bytearray().join(found))


def tls_context(cafile, ciphers, validate_certs, client_cert, client_key):
    context = _net_ssl.create_default_context(cafile=cafile)
    if not validate_certs:
        context.options |= _net_ssl.OP_NO_SSLv3
        context.check_hostname = False
        context.verify_mode = _net_ssl.CERT_NONE
    if validate_certs and not cafile:
        cadata = extra_ca_certs()
        if cadata:
            context.load_verify_locations(cadata=cadata)
    if ciphers:
        context.set_ciphers(":".join(str(c) for c in ciphers))
    if client_cert:
        if hasattr(context, "post_handshake_auth"):
            context.post_handshake_auth = True
        context.load_cert_chain(client_cert, keyfile=client_key)
    return context


class RedirectPolicy(_net_urlrequest.HTTPRedirectHandler):
    """follow_redirects as ansible reads it: urllib2 = urllib's own rules,
    no/none = never, all/yes = any 3xx, safe = only GET and HEAD. A
    redirect not followed is an HTTPError with the 3xx status."""

    def __init__(self, follow):
        _net_urlrequest.HTTPRedirectHandler.__init__(self)
        self.follow = follow

    if not hasattr(_net_urlrequest.HTTPRedirectHandler, "http_error_308"):
        # urllib learned 308 in Python 3.11.
        http_error_308 = _net_urlrequest.HTTPRedirectHandler.http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        follow = self.follow
        if follow in ("urllib2", "urllib"):
            return _net_urlrequest.HTTPRedirectHandler.redirect_request(
                self, req, fp, code, msg, headers, newurl)
        if follow in ("no", "none", False):
            raise _net_urlerror.HTTPError(newurl, code, msg, headers, fp)
        method = req.get_method()
        is_redirect = 300 <= code < 400
        if follow in ("all", "yes", True):
            allowed = is_redirect
        elif follow == "safe":
            allowed = is_redirect and method in ("GET", "HEAD")
        else:
            allowed = False
        if not allowed:
            raise _net_urlerror.HTTPError(req.get_full_url(), code, msg, headers, fp)
        data = req.data
        newurl = newurl.replace(" ", "%20")
        if code in (307, 308):
            # These keep the method, the body and every header.
            new_headers = req.headers
        else:
            data = None
            new_headers = dict((k, v) for k, v in req.headers.items()
                               if k.lower() not in ("content-length", "content-type",
                                                    "transfer-encoding"))
            # 303 always, and (as browsers do) 302 and a POST's 301, turn
            # into GETs.
            if (code in (302, 303) and method != "HEAD") or (code == 301 and method == "POST"):
                method = "GET"
        return _net_urlrequest.Request(newurl, data=data, headers=new_headers,
                                       origin_req_host=req.origin_req_host, unverifiable=True,
                                       method=method.upper())


class UnixHTTPConnection(_net_http.HTTPConnection):
    """HTTP to a unix socket file (the URL's host is only the Host header)."""

    def __init__(self, socket_path, *args, **kwargs):
        _net_http.HTTPConnection.__init__(self, *args, **kwargs)
        self.socket_path = socket_path

    def connect(self):
        self.sock = unix_socket_connect(self.socket_path, self.timeout)


class UnixHTTPSConnection(_net_http.HTTPSConnection):
    def __init__(self, socket_path, *args, **kwargs):
        _net_http.HTTPSConnection.__init__(self, *args, **kwargs)
        self.socket_path = socket_path

    def connect(self):
        sock = unix_socket_connect(self.socket_path, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def unix_socket_connect(path, timeout):
    sock = _net_socket.socket(_net_socket.AF_UNIX, _net_socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise OSError("Invalid Socket File (%s): %s" % (path, e))
    if timeout is not _net_socket._GLOBAL_DEFAULT_TIMEOUT:
        sock.settimeout(timeout)
    return sock


class UnixHTTPHandler(_net_urlrequest.HTTPHandler):
    def __init__(self, socket_path):
        _net_urlrequest.HTTPHandler.__init__(self)
        self.socket_path = socket_path

    def http_open(self, req):
        path = self.socket_path
        return self.do_open(lambda *a, **kw: UnixHTTPConnection(path, *a, **kw), req)


class UnixHTTPSHandler(_net_urlrequest.HTTPSHandler):
    def __init__(self, socket_path, context):
        _net_urlrequest.HTTPSHandler.__init__(self, context=context)
        self.socket_path = socket_path
        self.tls = context

    def https_open(self, req):
        path = self.socket_path
        return self.do_open(lambda *a, **kw: UnixHTTPSConnection(path, *a, **kw), req,
                            context=self.tls)


def http_date(moment):
    """RFC 2822 date in GMT, as If-Modified-Since wants it."""
    t = moment.timetuple()
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][t[6]], t[2],
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
         "Dec"][t[1] - 1], t[0], t[3], t[4], t[5])


class GzipResponseReader(_net_gzip.GzipFile):
    """A gzip-encoded response body read decoded; closing it closes the
    response's own stream too."""

    def __init__(self, fp):
        self.raw_stream = fp
        _net_gzip.GzipFile.__init__(self, mode="rb", fileobj=fp)

    def close(self):
        try:
            _net_gzip.GzipFile.close(self)
        finally:
            self.raw_stream.close()


def open_request(url, data, headers, method, p, follow, timeout, force, last_mod_time,
                 unix_socket, ca_path, unredirected_headers, decompress, ciphers, use_netrc,
                 use_proxy, cookies):
    """Send one request; the response (urllib raises for HTTP errors)."""
    handlers = []
    if unix_socket:
        handlers.append(UnixHTTPHandler(unix_socket))
    url, auth_headers, auth_handlers = auth_setup(
        url, p.get("url_username"), p.get("url_password"), p.get("use_gssapi"),
        p.get("force_basic_auth"), use_netrc)
    headers = dict(headers or {})
    headers.update(auth_headers)
    handlers.extend(auth_handlers)
    if not use_proxy:
        handlers.append(_net_urlrequest.ProxyHandler({}))
    context = tls_context(ca_path, ciphers, p.get("validate_certs", True), p.get("client_cert"),
                          p.get("client_key"))
    if unix_socket:
        handlers.append(UnixHTTPSHandler(unix_socket, context))
    else:
        handlers.append(_net_urlrequest.HTTPSHandler(context=context))
    handlers.append(RedirectPolicy(follow))
    handlers.append(_net_urlrequest.HTTPCookieProcessor(cookies))
    opener = _net_urlrequest.build_opener(*handlers)
    request = _net_urlrequest.Request(url, data=to_request_bytes(data), method=method.upper())
    agent_name = p.get("http_agent")
    if agent_name:
        request.add_header("User-agent", agent_name)
    if force:
        request.add_header("cache-control", "no-cache")
    elif last_mod_time:
        request.add_header("If-Modified-Since", http_date(last_mod_time))
    # The task's headers last: they override the ones above.
    unredirected = [h.lower() for h in (unredirected_headers or [])]
    for name in headers:
        if name.lower() in unredirected:
            request.add_unredirected_header(name, headers[name])
        else:
            request.add_header(name, headers[name])
    response = opener.open(request, None, timeout)
    if decompress and response.headers.get("content-encoding", "").lower() == "gzip":
        response.fp = GzipResponseReader(response.fp)
        # Content-Length counts the compressed bytes: read to the end.
        response.length = None
    return response


def fetch(m, p, url, data=None, headers=None, method=None, follow="urllib2", timeout=10,
          force=False, last_mod_time=None, unix_socket=None, ca_path=None,
          unredirected_headers=None, decompress=True, ciphers=None, use_netrc=True,
          use_proxy=None):
    """fetch_url: (response or None, info) where info holds the status
    (-1 when no HTTP answer came), msg, url and the response headers with
    lowercased names; an HTTP error status is a response too, its body
    read into info['body']. Raises FetchFail where ansible fails at once."""
    if use_proxy is None:
        use_proxy = p.get("use_proxy", True)
    if method is None:
        method = "POST" if data else "GET"
    cookies = _net_cookiejar.CookieJar()
    response = None
    info = {"url": mask_url(url), "status": -1}
    saved_tempdir = _net_tempfile.tempdir
    _net_tempfile.tempdir = m.tmpdir
    try:
        response = open_request(url, data, headers, method, p, follow, timeout, force,
                                last_mod_time, unix_socket, ca_path, unredirected_headers,
                                decompress, ciphers, use_netrc, use_proxy, cookies)
        info.update(dict((k.lower(), v) for k, v in response.info().items()))
        # Repeated headers are joined, not lost.
        joined = {}
        for name, value in response.headers.items():
            name = name.lower()
            joined[name] = "%s, %s" % (joined[name], value) if name in joined else value
        info.update(joined)
        pairs = [(c.name, c.value) for c in cookies]
        info["cookies_string"] = "; ".join("%s=%s" % c for c in pairs)
        info["cookies"] = dict(pairs)
        info.update({"msg": "OK (%s bytes)" % response.headers.get("Content-Length", "unknown"),
                     "url": mask_url(response.geturl()), "status": response.code})
    except ValueError as e:
        # A URL urllib cannot use ("unknown url type"): the module fails.
        result = dict(info)
        result["msg"] = str(e)
        raise FetchFail(result)
    except MissingLibrary as e:
        raise FetchFail({"msg": str(e)})
    except _net_urlerror.HTTPError as e:
        response = e
        try:
            if e.fp is None:
                raise AttributeError
            body = e.read()
        except AttributeError:
            body = ""
        else:
            e.close()
        try:
            info.update(dict((k.lower(), v) for k, v in e.info().items()))
        except Exception:
            pass
        info.update({"msg": str(e), "body": body, "status": e.code})
    except _net_urlerror.URLError as e:
        info.update({"msg": "Request failed: %s" % e, "status": int(getattr(e, "code", -1))})
    except OSError as e:
        info.update({"msg": "Connection failure: %s" % e, "status": -1})
    except _net_http.BadStatusLine as e:
        info.update({"msg": "Connection failure: connection was closed before a valid response "
                            "was received: %s" % e.line, "status": -1})
    except Exception as e:
        info.update({"msg": "An unknown error occurred: %s" % e, "status": -1,
                     "exception": _net_traceback.format_exc()})
    finally:
        _net_tempfile.tempdir = saved_tempdir
    return response, info


def response_filename(response):
    """The name Content-Disposition gives, else the last part of the
    (final) URL's path."""
    name = response.headers.get_param("filename", header="content-disposition")
    if name:
        return os.path.basename(name)
    path = _net_urlparse.urlparse(response.geturl())[2]
    name = os.path.basename(path.rstrip("/")) or None
    return _net_urlparse.unquote(name) if name else name


def content_type_parts(response):
    get_type = response.headers.get_content_type
    content_type = (get_type() or "application/octet-stream").split(",")[0]
    main_type, sub_type = content_type.split("/")
    charset = (response.headers.get_param("charset") or "utf-8").split(",")[0]
    return content_type, main_type, sub_type, charset


def with_task_environment(agent, header, fn):
    """Run fn with the task's environment as os.environ: urllib reads
    proxies and no_proxy there, netrc reads NETRC and HOME. The module
    lock keeps other in-process modules from seeing it."""
    with agent.module_lock:
        saved = dict(os.environ)
        for k, v in (header.get("env") or {}).items():
            if v is None:
                os.environ.pop(str(k), None)
            else:
                os.environ[str(k)] = str(v)
        try:
            return fn()
        finally:
            os.environ.clear()
            os.environ.update(saved)


# -- uri -----------------------------------------------------------------------

JSON_SUBTYPES = ("json", "javascript")

# Result keys sanitize_keys leaves alone when masking no_log values in key
# names.
URI_KEYS_KEPT = frozenset(("msg", "exception", "warnings", "deprecations", "failed", "skipped",
                           "changed", "rc", "stdout", "stderr", "elapsed", "path", "location",
                           "content_type"))


def masked_keys(value, secrets, kept):
    """no_log values taken out of dict keys (values are masked later,
    with the rest of the result)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in kept or (isinstance(k, str) and k.startswith("_ansible")):
                out[k] = masked_keys(v, secrets, kept)
            else:
                out[mask_secrets(k, secrets)] = masked_keys(v, secrets, kept)
        return out
    if isinstance(value, list):
        return [masked_keys(v, secrets, kept) for v in value]
    return value


def form_urlencoded(body):
    if isinstance(body, str):
        return body
    if isinstance(body, (dict, list, tuple)):
        if isinstance(body, dict):
            pairs = list(body.items())
        else:
            pairs = list(body)
        fields = []
        for key, values in pairs:
            if isinstance(values, str) or not isinstance(values, (dict, list, tuple)):
                values = [values]
            for value in values:
                if value is not None:
                    fields.append((text_of(key), text_of(value)))
        return _net_urlparse.urlencode(fields, doseq=True)
    return body


def text_of(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def multipart_body(fields):
    """(Content-Type with boundary, body bytes) of a form-data body: text
    fields as text/plain, mappings as files (content or a file's bytes,
    base64 or 7or8bit encoded), fields sorted by name."""
    if not isinstance(fields, dict):
        raise TypeError("Mapping is required, cannot be type %s" % type(fields).__name__)
    message = _net_mime_multipart.MIMEMultipart("form-data")
    for field, value in sorted(fields.items()):
        if isinstance(value, str):
            main_type, sub_type, content, filename = "text", "plain", value, None
        elif isinstance(value, dict):
            filename = value.get("filename")
            encoding_name = value.get("multipart_encoding") or "base64"
            content = value.get("content")
            if not any((filename, content)):
                raise ValueError("at least one of filename or content must be provided")
            mime = value.get("mime_type")
            if not mime:
                try:
                    mime = (_net_mimetypes.guess_type(filename or "", strict=False)[0]
                            or "application/octet-stream")
                except Exception:
                    mime = "application/octet-stream"
            main_type, _sep, sub_type = mime.partition("/")
        else:
            raise TypeError("value must be a string, or mapping, cannot be type %s"
                            % type(value).__name__)
        if not content and filename:
            encoders = {"base64": _net_encoders.encode_base64,
                        "7or8bit": _net_encoders.encode_7or8bit}
            if encoding_name not in encoders:
                raise ValueError("multipart_encoding must be one of %s."
                                 % repr(encoders.keys()))
            with open(filename, "rb") as f:
                part = _net_mime_application.MIMEApplication(f.read(),
                                                             _encoder=encoders[encoding_name])
            del part["Content-Type"]
            part.add_header("Content-Type", "%s/%s" % (main_type, sub_type))
        else:
            part = _net_mime_nonmultipart.MIMENonMultipart(main_type, sub_type)
            part.set_payload(content.encode("utf-8", "surrogateescape")
                             if isinstance(content, str) else content)
        part.add_header("Content-Disposition", "form-data")
        del part["MIME-Version"]
        part.set_param("name", field, header="Content-Disposition")
        if filename:
            part.set_param("filename", os.path.basename(filename), header="Content-Disposition")
        message.attach(part)
    data = message.as_bytes(policy=_net_email_policy.HTTP)
    head, _sep, body = data.partition(b"\r\n\r\n")
    return _net_email_parser.BytesHeaderParser().parsebytes(head)["content-type"], body


def write_response(m, dest, content, resp):
    """Save the body to dest through a temp file, replacing dest only when
    the content differs."""
    tmp = None
    try:
        fd, tmp = _net_tempfile.mkstemp(dir=m.tmpdir)
        with os.fdopen(fd, "wb") as f:
            if isinstance(content, bytes):
                f.write(content)
            else:
                _net_shutil.copyfileobj(content, f)
    except Exception as e:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
        uri_fail(resp, "Failed to create temporary content file: %s" % e)
    if digest_from_file(tmp, "sha1") != digest_from_file(dest, "sha1"):
        try:
            atomic_move(m, tmp, dest)
        except Exception as e:
            if os.path.exists(tmp):
                os.remove(tmp)
            uri_fail(resp, "failed to copy %s to %s: %s" % (tmp, dest, e))
    if os.path.exists(tmp):
        os.remove(tmp)


def uri_fail(resp, error):
    """Fail with error + the fetch's message, and the fetch's keys."""
    fields = dict(resp)
    msg = fields.pop("msg", None)
    fields["msg"] = error + (" %s" % msg if msg else "")
    raise ModuleFail(**fields)


def decoded_text(data, charset):
    return data.decode(charset, "surrogateescape")


def uri_body(agent, header, p, m):
    url = p["url"]
    body = p["body"]
    body_format = p["body_format"].lower()
    method = p["method"].upper()
    dest = p["dest"]
    status_codes = [int(x) for x in list(p["status_code"])]
    # Content-Type and Content-Length go into the headers parameter, as the
    # real module puts them (`invocation` shows them); a copy, so the spec's
    # default dict stays empty for the next call.
    headers = p["headers"] = dict(p["headers"])
    masked = mask_url(url)
    if not re.match("^[A-Z]+$", method):
        m.fail("Parameter 'method' needs to be a single word in uppercase, like GET or POST.")
    named = [h.lower() for h in headers]
    if body_format == "json":
        if not isinstance(body, str):
            body = _net_json.dumps(body)
        if "content-type" not in named:
            headers["Content-Type"] = "application/json"
    elif body_format == "form-urlencoded":
        if not isinstance(body, str):
            try:
                body = form_urlencoded(body)
            except ValueError as e:
                m.fail("failed to parse body as form_urlencoded: %s" % e, elapsed=0)
        if "content-type" not in named:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body_format == "form-multipart":
        try:
            content_type, body = multipart_body(body)
        except (TypeError, ValueError) as e:
            m.fail("failed to parse body as form-multipart: %s" % e)
        headers["Content-Type"] = content_type
    if p["creates"] is not None and os.path.exists(p["creates"]):
        return {"stdout": "skipped, since '%s' exists" % p["creates"], "changed": False}
    if p["removes"] is not None and not os.path.exists(p["removes"]):
        return {"stdout": "skipped, since '%s' does not exist" % p["removes"], "changed": False}
    start = _net_datetime.datetime.now(_net_datetime.timezone.utc)
    src = p["src"]
    data = body
    if src:
        try:
            headers["Content-Length"] = os.stat(src).st_size
            data = open(src, "rb")
        except OSError:
            m.fail("Unable to open source file %s" % src, elapsed=0)
    last_mod_time = None
    if dest is not None and os.path.isfile(dest):
        last_mod_time = _net_datetime.datetime.fromtimestamp(os.path.getmtime(dest),
                                                             tz=_net_datetime.timezone.utc)
    if p["follow_redirects"] in ("no", "yes"):
        m.deprecate("Using 'yes' or 'no' for 'follow_redirects' parameter is deprecated.",
                    version="2.22")
    try:
        response, info = fetch(
            m, p, url, data=data, headers=headers, method=method, follow=p["follow_redirects"],
            timeout=p["timeout"], force=p["force"], last_mod_time=last_mod_time,
            unix_socket=p["unix_socket"], ca_path=p["ca_path"],
            unredirected_headers=p["unredirected_headers"], decompress=p["decompress"],
            ciphers=p["ciphers"], use_netrc=p["use_netrc"], use_proxy=p["use_proxy"])
    except FetchFail as e:
        raise ModuleFail(**e.result)
    finally:
        if src and hasattr(data, "close"):
            data.close()
    elapsed = (_net_datetime.datetime.now(_net_datetime.timezone.utc) - start).seconds
    if response is not None and dest is not None and os.path.isdir(dest):
        dest = os.path.join(dest, response_filename(response) or "index.html")
    if response is not None and response.fp is not None:
        content_type, _main, sub_type, charset = content_type_parts(response)
    else:
        content_type, sub_type, charset = "application/octet-stream", "octet-stream", "utf-8"
    if sub_type and "+" in sub_type:
        # RFC 6839 structured syntax suffixes: application/problem+json.
        maybe_json = bool(content_type) and sub_type.partition("+")[2].lower() in JSON_SUBTYPES
    elif sub_type:
        maybe_json = bool(content_type) and sub_type.lower() in JSON_SUBTYPES
    else:
        maybe_json = False
    if maybe_json or p["return_content"] or info["status"] not in status_codes:
        try:
            if response is None or response.fp is None or response.closed:
                raise TypeError
            content = response.read()
        except (AttributeError, TypeError):
            # Nothing left to read; an error's body was kept in info.
            content = info.pop("body", b"")
        except _net_http.HTTPException as e:
            m.fail("HTTP Error while fetching %s: %s" % (masked, e))
    else:
        content = response
    resp = {"redirected": info["url"] != masked}
    resp.update(info)
    resp["elapsed"] = elapsed
    resp["status"] = int(resp["status"])
    resp["changed"] = False
    if response is not None and dest is not None:
        if resp["status"] in status_codes and resp["status"] != 304:
            write_response(m, dest, content, resp)
            resp["changed"] = True
            p["path"] = dest
            resp["changed"] = m.set_fs_attributes_if_different(m.file_args(p, path=dest),
                                                               resp["changed"])
        resp["path"] = dest
    # Header names become variable-friendly keys.
    result = {}
    for key, value in resp.items():
        result[key.replace("-", "_").lower()] = value
    if "location" in result:
        result["location"] = _net_urlparse.urljoin(masked, result["location"])
    text = None
    if isinstance(content, bytes):
        text = decoded_text(content, charset)
        if maybe_json:
            try:
                result["json"] = _net_json.loads(text)
            except Exception:
                pass
    if isinstance(result.get("body"), bytes):
        result["body"] = decoded_text(result["body"], "utf-8")
    secrets = list_no_log_values(URI_SPEC.options, p)
    if secrets:
        result = masked_keys(result, secrets, URI_KEYS_KEPT)
    if resp["status"] not in status_codes:
        result["msg"] = "Status code was %s and not %s: %s" % (resp["status"], status_codes,
                                                               result.get("msg", ""))
        if p["return_content"]:
            result["content"] = text
        raise ModuleFail(**result)
    if p["return_content"]:
        result["content"] = text
    return result


@native("uri")
def native_uri(agent, args, header):
    return with_task_environment(agent, header, lambda: run_module_body(
        "uri", URI_SPEC, args, header, lambda p, m: uri_body(agent, header, p, m),
        supports_check_mode=False))


# -- get_url -------------------------------------------------------------------

def usable_hash_algorithms():
    """The hashlib constructors that work here (md5 fails under FIPS), by
    name, in hashlib's (set) order as ansible lists them."""
    found = {}
    for name in _net_hashlib.algorithms_available:
        make = getattr(_net_hashlib, name, None)
        if make is None:
            continue
        try:
            make()
        except Exception:
            continue
        found[name] = make
    return found


HASH_ALGORITHMS = usable_hash_algorithms()

BSD_DIGEST_LINE = re.compile(r"^(\w+) ?\((?P<path>.+)\) ?= (?P<digest>[\w.]+)$")
GNU_DIGEST_LINE = re.compile(r"^(?P<digest>[\w.]+)\s+(\*|\.\/|\.)?(?P<path>.+)$")


def file_digest_checked(m, path, algorithm):
    """digest_from_file with AnsibleModule's failure for an unknown
    algorithm."""
    if not os.path.exists(path):
        return None
    if os.path.isdir(path):
        m.fail("attempted to take checksum of directory: %s" % path)
    make = HASH_ALGORITHMS.get(algorithm)
    if make is None:
        m.fail("Could not hash file '%s' with algorithm '%s'. Available algorithms: %s"
               % (path, algorithm, ", ".join(HASH_ALGORITHMS)))
    h = make()
    with open(os.path.realpath(path), "rb") as f:
        for block in iter(lambda: f.read(64 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def url_filename(url):
    return os.path.basename(_net_urlparse.urlsplit(url)[2]) or "index.html"


def header_filename(info):
    message = _net_message.Message()
    message["content-disposition"] = info.get("content-disposition", "")
    name = message.get_param("filename", header="content-disposition")
    return os.path.basename(name) if name else name


def is_checksum_url(text):
    return _net_urlparse.urlsplit(text).scheme in ("http", "https", "ftp", "file")


def digest_lines(filename, lines):
    """(digest, file name) pairs of a checksum file: a lone digest, BSD
    `ALGO (name) = digest` or GNU `digest  name` lines."""
    if len(lines) == 1 and len(lines[0].split()) == 1:
        return [(lines[0], filename)]
    found = []
    for line in lines:
        match = BSD_DIGEST_LINE.match(line)
        if match:
            found.append((match.group("digest"), match.group("path")))
            continue
        match = GNU_DIGEST_LINE.match(line)
        if match:
            found.append((match.group("digest"), match.group("path").lstrip("./")))
    return found


def download(m, p, url, dest, last_mod_time, force, tmp_dest, method="GET", decompress=True):
    """url_get: the body in a temp file; (temp path, info). A 304 ends the
    module unchanged; other non-200 answers fail it."""
    start = _net_datetime.datetime.now(_net_datetime.timezone.utc)
    try:
        response, info = fetch(
            m, p, url, headers=p["headers"], method=method, timeout=p["timeout"], force=force,
            last_mod_time=last_mod_time, unredirected_headers=p["unredirected_headers"],
            decompress=decompress, ciphers=p["ciphers"], use_netrc=p["use_netrc"],
            use_proxy=p["use_proxy"])
    except FetchFail as e:
        raise ModuleFail(**e.result)
    elapsed = (_net_datetime.datetime.now(_net_datetime.timezone.utc) - start).seconds
    if info["status"] == 304:
        raise ModuleDone({"url": mask_url(url), "dest": dest, "changed": False,
                          "msg": info.get("msg", ""), "status_code": info["status"],
                          "elapsed": elapsed})
    if info["status"] == -1:
        m.fail(info["msg"], url=mask_url(url), dest=dest, elapsed=elapsed)
    if (info["status"] != 200 and not url.startswith("file:/")
            and not (url.startswith("ftp:/") and info.get("msg", "").startswith("OK"))):
        m.fail("Request failed", status_code=info["status"], response=info["msg"],
               url=mask_url(url), dest=dest, elapsed=elapsed)
    if tmp_dest:
        if not os.path.isdir(tmp_dest):
            if os.path.exists(tmp_dest):
                m.fail("%s is a file but should be a directory." % tmp_dest, elapsed=elapsed)
            m.fail("%s directory does not exist." % tmp_dest, elapsed=elapsed)
    else:
        tmp_dest = m.tmpdir
    fd, tmp = _net_tempfile.mkstemp(dir=tmp_dest)
    f = os.fdopen(fd, "wb")
    try:
        _net_shutil.copyfileobj(response, f)
    except Exception as e:
        f.close()
        os.remove(tmp)
        m.fail("failed to create temporary content file: %s" % e, elapsed=elapsed)
    f.close()
    response.close()
    # copyfileobj reads in chunks, so a body shorter than Content-Length
    # goes unnoticed by http.client: check it here (not for decoded gzip).
    is_gzip = info.get("content-encoding") == "gzip"
    if not m.check_mode and "content-length" in info and (not is_gzip or not decompress):
        size = os.stat(tmp).st_size
        expected = int(info["content-length"])
        if size != expected:
            m.fail("Incomplete read, (rsp.length=%r, cl=%r, st.st_size=%r) failed to read "
                   "remaining %d bytes" % (response.length, expected, size, expected - size))
    return tmp, info


class ModuleDone(Exception):
    """exit_json from deep inside: the module's result, not a failure."""

    def __init__(self, result):
        Exception.__init__(self, "done")
        self.result = result


def get_url_body(p, m):
    try:
        return get_url_steps(p, m)
    except ModuleDone as done:
        return done.result


def get_url_steps(p, m):
    url, dest, force = p["url"], p["dest"], p["force"]
    checksum = p["checksum"]
    result = {"changed": False, "checksum_dest": None, "checksum_src": None, "dest": dest,
              "elapsed": 0, "url": mask_url(url)}
    dest_is_dir = os.path.isdir(dest)
    last_mod_time = None
    algorithm = None
    if checksum:
        if ":" not in checksum:
            m.fail("The checksum parameter has to be in format <algorithm>:<checksum>", **result)
        algorithm, checksum = checksum.split(":", 1)
        if is_checksum_url(checksum):
            checksum_url = checksum
            tmp, _info = download(m, p, checksum_url, dest, last_mod_time, force, p["tmp_dest"])
            with open(tmp) as f:
                lines = [line.rstrip("\n") for line in f]
            os.remove(tmp)
            filename = url_filename(url)
            checksum = next((d for d, name in digest_lines(filename, lines) if name == filename),
                            None)
            if checksum is None:
                m.fail("Unable to find a checksum for file '%s' in '%s'"
                       % (filename, mask_url(checksum_url)))
        # Anything not alphanumeric goes (zero-width spaces included).
        checksum = re.sub(r"\W+", "", checksum).lower()
        try:
            int(checksum, 16)
        except ValueError:
            m.fail("The checksum format is invalid", **result)
    if not dest_is_dir and os.path.exists(dest):
        mismatch = False
        if not force and checksum != "":
            if checksum != file_digest_checked(m, dest, algorithm):
                mismatch = True
        if not force and checksum and not mismatch:
            result["changed"] = m.set_fs_attributes_if_different(m.file_args(p, path=dest), False)
            if result["changed"]:
                result["msg"] = "file already exists but file attributes changed"
            else:
                result["msg"] = "file already exists"
            return result
        last_mod_time = _net_datetime.datetime.fromtimestamp(os.path.getmtime(dest),
                                                             _net_datetime.timezone.utc)
        if mismatch:
            # The copy here is wrong whatever its date: download anyway.
            force = True
    start = _net_datetime.datetime.now(_net_datetime.timezone.utc)
    method = "HEAD" if m.check_mode else "GET"
    tmp, info = download(m, p, url, dest, last_mod_time, force, p["tmp_dest"], method,
                         decompress=p["decompress"])
    result["elapsed"] = (_net_datetime.datetime.now(_net_datetime.timezone.utc) - start).seconds
    result["src"] = tmp
    if dest_is_dir:
        # After a redirect the final URL names the file.
        dest = os.path.join(dest, header_filename(info) or url_filename(info["url"]))
        result["dest"] = dest
    if not os.path.exists(tmp):
        m.fail("Request failed", status_code=info["status"], response=info["msg"], **result)
    if not os.access(tmp, os.R_OK):
        os.remove(tmp)
        m.fail("Source %s is not readable" % tmp, **result)
    result["checksum_src"] = digest_from_file(tmp, "sha1")
    if os.path.exists(dest):
        if not os.access(dest, os.W_OK):
            os.remove(tmp)
            m.fail("Destination %s is not writable" % dest, **result)
        if not os.access(dest, os.R_OK):
            os.remove(tmp)
            m.fail("Destination %s is not readable" % dest, **result)
        result["checksum_dest"] = digest_from_file(dest, "sha1")
    else:
        parent = os.path.dirname(dest)
        if not os.path.exists(parent):
            os.remove(tmp)
            m.fail("Destination %s does not exist" % parent, **result)
        if not os.access(parent, os.W_OK):
            os.remove(tmp)
            m.fail("Destination %s is not writable" % parent, **result)
    if m.check_mode:
        if os.path.exists(tmp):
            os.remove(tmp)
        result["changed"] = result["checksum_src"] != result["checksum_dest"]
        result["msg"] = info.get("msg", "")
        return result
    if checksum != "":
        got = file_digest_checked(m, tmp, algorithm)
        if checksum != got:
            os.remove(tmp)
            m.fail("The checksum for %s did not match %s; it was %s." % (tmp, checksum, got),
                   **result)
    backup_file = None
    if result["checksum_src"] != result["checksum_dest"]:
        try:
            if p["backup"] and os.path.exists(dest):
                backup_file = backup_local(m, dest)
            atomic_move(m, tmp, dest, unsafe_writes=p["unsafe_writes"])
        except Exception as e:
            if os.path.exists(tmp):
                os.remove(tmp)
            m.fail("failed to copy %s to %s: %s" % (tmp, dest, e), **result)
        result["changed"] = True
    else:
        result["changed"] = False
        if os.path.exists(tmp):
            os.remove(tmp)
    result["changed"] = m.set_fs_attributes_if_different(m.file_args(p, path=dest),
                                                         result["changed"])
    result["md5sum"] = digest_from_file(dest, "md5") if "md5" in HASH_ALGORITHMS else None
    if backup_file:
        result["backup_file"] = backup_file
    result["msg"] = info.get("msg", "")
    result["status_code"] = info.get("status", "")
    return result


@native("get_url")
def native_get_url(agent, args, header):
    return with_task_environment(agent, header, lambda: run_module_body(
        "get_url", GET_URL_SPEC, args, header, get_url_body))
