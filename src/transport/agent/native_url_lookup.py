# mitorun agent: the `url` lookup's requests (ansible.builtin.url), for the
# controller's Python worker (templating::lookups::url). The options come
# typed and resolved from the controller; each term is fetched with the
# net modules' open_request (native_net.py, shipped before this file),
# which sets up urllib as ansible's open_url does. Results and failures
# are worded as ansible 2.19's lookup words them.
# Shipped with the first lookup (modules::native_code).


def url_lookup_text(data):
    """to_text: UTF-8 (bytes that are not UTF-8 replaced: the reply is
    JSON, which cannot carry surrogate escapes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def url_lookup_failure(message, error):
    """A failure raised `from error`. ansible prints the error in the same
    line as its own message, except when urllib raised it while handling
    another error (URLError around an OSError): then it is a level of its
    own (`cause`), below the lookup's."""
    text = str(error).strip()
    implicit = (error.__cause__ is None and error.__context__ is not None
                and not error.__suppress_context__)
    if implicit:
        return {"error": message, "cause": text}
    return {"error": "%s: %s" % (message, text) if text else message}


def url_lookup_fetch(term, o):
    """The body of one URL (open_url with the lookup's options)."""
    settings = {
        "url_username": o.get("username"),
        "url_password": o.get("password"),
        "use_gssapi": o.get("use_gssapi"),
        "force_basic_auth": o.get("force_basic_auth"),
        "validate_certs": o.get("validate_certs"),
        "http_agent": o.get("http_agent"),
        "client_cert": None,
        "client_key": None,
    }
    headers = o.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError("headers must be a dict")
    response = open_request(
        term, None, headers, "GET", settings, o.get("follow_redirects"), o.get("timeout"),
        o.get("force"), None, o.get("unix_socket"), o.get("ca_path"),
        o.get("unredirected_headers"), True, o.get("ciphers"), o.get("use_netrc"),
        o.get("use_proxy"), _net_cookiejar.CookieJar())
    try:
        return response.read()
    finally:
        response.close()


@native("mitorun_url_lookup")
def native_mitorun_url_lookup(agent, args, header):
    options = args.get("options") or {}
    values = []
    for term in args.get("terms") or []:
        try:
            # ansible masks the URL for its log line first: a term that is
            # no URL text fails there.
            shown = mask_url(term)
            body = url_lookup_fetch(term, options)
        except _net_urlerror.HTTPError as e:
            return url_lookup_failure("Received HTTP error for %s" % shown, e)
        except _net_urlerror.URLError as e:
            return url_lookup_failure("Failed lookup url for %s" % shown, e)
        except Exception as e:
            return {"error": str(e).strip() or type(e).__name__}
        if options.get("split_lines", True):
            values.extend(url_lookup_text(line) for line in body.splitlines())
        else:
            values.append(url_lookup_text(body))
    return {"value": values}
