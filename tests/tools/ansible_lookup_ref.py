#!/usr/bin/env python3
"""Observe ansible-core's lookup plugins, for `tests/lookup_parity.rs`.

Usage (with the reference interpreter):
    /tmp/ref/bin/python tests/tools/ansible_lookup_ref.py \
        > tests/fixtures/lookups/expected.json

Every case is a single `{{ expr }}` template evaluated by ansible's Templar
with a DataLoader whose base directory is the fixture tree
`tests/fixtures/lookups/` (and whose vault secret is `lookup-secret`),
the variables VARS (plus the case's own), the environment ENV and
`ANSIBLE_CONFIG` pointing at the fixture's ansible.cfg. The output records,
per case, `repr()` of the native result (tuples as lists, mapping keys as
strings, the way mitorun's `Value` holds them) or the error ansible raised,
and the warnings ansible displayed. Absolute paths of the fixture tree and
of the scratch directory (password files are written there) are replaced
by `@F@` and `@T@`; the Rust test puts its own paths back. Nothing in the
output is written by hand.

Nondeterministic lookups (random_choice, password without seed) are not
here: `src/templating/lookups/tests.rs` checks their properties.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.normpath(os.path.join(HERE, "..", "fixtures", "lookups"))
SCRATCH = tempfile.mkdtemp(prefix="mitorun-lookup-ref-")

ENV = {
    "MITORUN_LOOKUP_A": "alpha value",
    "MITORUN_LOOKUP_EMPTY": "",
}

for name in list(os.environ):
    if name.startswith("ANSIBLE_"):
        del os.environ[name]
os.environ.update(ENV)
os.environ["ANSIBLE_CONFIG"] = os.path.join(FIXTURE, "ansible.cfg")
os.chdir(FIXTURE)

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[])._install()

from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.parsing.vault import VaultSecret  # noqa: E402
from ansible.template import Templar, trust_as_template  # noqa: E402
from ansible.utils import display as display_module  # noqa: E402
from ansible._internal import _display_utils  # noqa: E402

WARNINGS: list[str] = []


# Display's own note about deprecations is not a lookup's warning.
DEPRECATION_NOTE = "Deprecation warnings can be disabled"


def _capture_warning(self, warning):
    """Record the first line of each warning (the message; ansible adds
    origin and help lines below it), bypassing Display's deduplication."""
    text = _display_utils.format_message(warning, False).splitlines()[0]
    if not text.startswith(DEPRECATION_NOTE):
        WARNINGS.append(text)


display_module.Display._warning = _capture_warning

F = "@F@"
T = "@T@"

VARS = {
    "y": 5,
    "l": [1, 2],
    "s": "abc",
    "d": {"a": 1, "b": 2},
    "users": [
        {"name": "alice", "groups": ["wheel", "adm"], "auth": {"keys": ["k1"]}},
        {"name": "bob", "groups": [], "auth": {"keys": ["k2", "k3"]}},
        {"name": "carl", "auth": {}},
    ],
    "registered": {
        "results": [
            {"item": "a", "skipped": True, "stdout_lines": ["x"]},
            {"item": "b", "stdout_lines": ["y", "z"]},
        ]
    },
    "groups": {
        "all": ["web1", "web2", "db1", "lone"],
        "ungrouped": ["lone"],
        "web": ["web1", "web2"],
        "db": ["db1"],
    },
    "file_list": ["missing.txt", "a.txt"],
    "ff_params": {"files": ["nope.txt", "x.txt"], "paths": [F + "/search/a/files", F + "/search/b/files"]},
    "name_var": "a.txt",
}

SEARCH = {"ansible_search_path": [F + "/search/a", F + "/search/b", F]}
ROLE = {
    "role_path": F + "/roles/r1",
    "ansible_search_path": [F + "/roles/r1", F],
}

CASES = [
    # lookup / query / q: result shaping, errors=, wantlist=
    "lookup('items', [1, 2])",
    "lookup('items', [1])",
    "lookup('items', ['a'])",
    "lookup('items', ['a', 'b'])",
    "lookup('items', ['b', ['a']])",
    "lookup('items', [1, 'a'])",
    "lookup('items', [])",
    "lookup('items', 'a', 'b', 'c')",
    "lookup('items', 'a,b', 'c')",
    "lookup('items', 'a', wantlist=True)",
    "lookup('items', 'a', wantlist=False)",
    "lookup('items', [], wantlist=True)",
    "query('items', 'a')",
    "q('items', 'a', 'b')",
    "query('items', [[1, 2], 3])",
    "lookup('ansible.builtin.items', 1, 2)",
    "lookup('ansible.legacy.items', 1, 2)",
    "query('ansible.builtin.file', 'a.txt')",
    "lookup('nope', 'x')",
    "lookup('ansible.builtin.nope', 'x')",
    "lookup(1)",
    "query('nope')",
    "lookup('file', 'nope.txt', errors='ignore')",
    "query('file', 'nope.txt', errors='ignore')",
    "lookup('file', 'nope.txt', errors='warn')",
    "query('file', 'nope.txt', errors='warn')",
    "lookup('file', 'nope.txt', errors='strict')",
    "lookup('file', 'nope.txt', errors='other')",
    "lookup('file', 'nope.txt', errors='ignore', wantlist=True)",
    "lookup('items', undefined_thing)",
    "lookup('items', undefined_thing) | default('dflt')",
    "lookup('items', 'x', wantlist=undefined_thing)",
    "lookup('items', 'a') ~ '!'",
    "lookup('file', 'a.txt', 'top.txt')",
    # file
    "lookup('file', 'a.txt')",
    "lookup('file', 'spaced.txt')",
    "lookup('file', 'spaced.txt', lstrip=True)",
    "lookup('file', 'spaced.txt', rstrip=False)",
    "lookup('file', 'spaced.txt', rstrip='no', lstrip='yes')",
    "lookup('file', 'spaced.txt', rstrip='maybe')",
    "lookup('file', 'spaced.txt', rstrip=[1])",
    "lookup('file', 'unicode.txt')",
    "lookup('file', 'top.txt')",
    "lookup('file', 'files/a.txt')",
    "lookup('file', '@F@/files/a.txt')",
    "lookup('file', '@F@/files/../top.txt')",
    "lookup('file', 'glob')",
    "lookup('file', 'nope.txt')",
    "lookup('file', '/nonexistent/abs.txt')",
    "lookup('file', 1)",
    "lookup('file', none)",
    "lookup('file', '')",
    "lookup('file')",
    "lookup('file', 'a.txt', bogus=1)",
    "lookup('file', 'vaulted.txt')",
    "lookup('file', 'vaulted_other.txt')",
    "lookup('file', name_var)",
    "lookup('file', '{{ name_var }}')",
    "lookup('file', 'top.txt', 'nope.txt', errors='ignore')",
    {"expr": "lookup('file', 'x.txt')", "vars": SEARCH},
    {"expr": "lookup('file', 'y.txt')", "vars": SEARCH},
    {"expr": "lookup('file', 'a.txt')", "vars": SEARCH},
    {"expr": "lookup('file', 'rfile.txt')", "vars": ROLE},
    {"expr": "lookup('file', 'a.txt')", "vars": {"role_path": F + "/roles/r1"}},
    {"expr": "lookup('file', 'rfile.txt')", "vars": {"role_path": F + "/roles/r1"}},
    {"expr": "lookup('file', 'rfile.txt')", "vars": {"ansible_search_path": [F + "/roles/r1/tasks"]}},
    {"expr": "lookup('file', 'x.txt')", "vars": {"ansible_search_path": []}},
    # unvault
    "lookup('unvault', 'vaulted.txt')",
    "lookup('unvault', 'a.txt')",
    "lookup('unvault', 'nope.txt')",
    "lookup('unvault', 'vaulted_other.txt')",
    # fileglob
    "lookup('fileglob', 'glob/*.txt')",
    "query('fileglob', 'glob/*') | sort",
    "query('fileglob', 'glob/*.txt') | sort",
    "query('fileglob', 'glob/.*')",
    "query('fileglob', 'glob/t*.???') | sort",
    "query('fileglob', 'glob/[o]ne.txt')",
    "query('fileglob', 'glob/[!o]*.txt')",
    "query('fileglob', 'glob/subdir')",
    "query('fileglob', 'topglob.txt')",
    "query('fileglob', '*.txt')",
    "query('fileglob', 'nomatch/*.txt')",
    "query('fileglob', '@F@/files/glob/one.txt')",
    "query('fileglob', '@F@/files/glob/o*')",
    "query('fileglob', 'glob/one.txt', 'glob/two.txt')",
    "query('fileglob', 1)",
    {"expr": "query('fileglob', '*.txt')", "vars": SEARCH},
    {"expr": "query('fileglob', 'files/*.txt')", "vars": SEARCH},
    # first_found
    "lookup('first_found', 'nope.txt', 'a.txt')",
    "lookup('first_found', ['nope.txt', 'top.txt'])",
    "lookup('first_found', 'nope.txt')",
    "lookup('first_found', 'nope.txt', skip=True)",
    "query('first_found', 'nope.txt', skip=True)",
    "lookup('first_found', 'nope.txt', errors='ignore')",
    "lookup('first_found', file_list)",
    "lookup('first_found', 'odd.txt')",
    "lookup('first_found', 'files/a.txt')",
    "lookup('first_found', 'nope.txt,top.txt')",
    "lookup('first_found', 'nope.txt;top.txt')",
    "lookup('first_found', files=['nope.txt', 'top.txt'])",
    "lookup('first_found', files='nope.txt,top.txt')",
    "lookup('first_found', 'x.txt', paths=['@F@/search/b/files'])",
    "lookup('first_found', 'x.txt', paths='@F@/search/a/files:@F@/search/b/files')",
    "lookup('first_found', ff_params)",
    "lookup('first_found', {'files': ['y.txt'], 'paths': ['@F@/search/a/files', '@F@/search/b/files']})",
    "lookup('first_found', {'files': ['nope'], 'skip': True})",
    "query('first_found', {'files': ['nope'], 'skip': True})",
    "lookup('first_found', {'files': ['nope']}, skip=True)",
    "lookup('first_found', {'files': 'a,b'})",
    "lookup('first_found', 1)",
    "lookup('first_found', undefined_thing)",
    "lookup('first_found', 'a.txt', skip=undefined_thing)",
    "lookup('first_found', '@F@/top.txt')",
    "lookup('first_found', '@F@/nope.txt', 'top.txt')",
    "lookup('first_found')",
    {"expr": "lookup('first_found', 'x.txt', 'y.txt')", "vars": SEARCH},
    {"expr": "lookup('first_found', 'y.txt')", "vars": SEARCH},
    {"expr": "lookup('first_found', 'files/y.txt')", "vars": SEARCH},
    # template
    "lookup('template', 't.j2')",
    "lookup('template', 'native.j2')",
    "lookup('template', 'int.j2')",
    "query('template', 'int.j2', 'native.j2')",
    "lookup('template', 'alt.j2', variable_start_string='[[', variable_end_string=']]')",
    "lookup('template', 'alt.j2', comment_start_string='<#', comment_end_string='#>')",
    "lookup('template', 'trim.j2')",
    "lookup('template', 'trim.j2', trim_blocks=False)",
    "lookup('template', 'inc.j2')",
    "lookup('template', 'tv.j2')",
    "lookup('template', 'tv.j2', template_vars={'greeting': 'hi', 'y': 7})",
    "lookup('template', 'tv.j2', template_vars='x')",
    "lookup('template', 'undef.j2')",
    "lookup('template', 'managed.j2')",
    "lookup('template', 'nested.j2')",
    "lookup('template', 'backslash.j2')",
    "lookup('template', 'nope.j2')",
    "lookup('template', 'vaulted.j2')",
    "lookup('template', 'int.j2', convert_data=False)",
    "lookup('template', 'native.j2', jinja2_native=False)",
    "lookup('template', 't.j2', bogus=1)",
    {"expr": "lookup('template', 'bt.j2')", "vars": SEARCH},
    {"expr": "lookup('template', 'rt.j2')", "vars": ROLE},
    # env
    "lookup('env', 'MITORUN_LOOKUP_A')",
    "lookup('env', 'MITORUN_LOOKUP_EMPTY')",
    "lookup('env', 'MITORUN_LOOKUP_NOPE')",
    "lookup('env', 'MITORUN_LOOKUP_NOPE', default='fallback')",
    "lookup('env', 'MITORUN_LOOKUP_NOPE', default=none)",
    "lookup('env', 'MITORUN_LOOKUP_NOPE', default=undefined_thing)",
    "lookup('env', 'MITORUN_LOOKUP_NOPE', default=undefined_thing) | default('dd')",
    "lookup('env', 'MITORUN_LOOKUP_A extra words')",
    "lookup('env', 'MITORUN_LOOKUP_A', 'MITORUN_LOOKUP_NOPE')",
    "query('env', 'MITORUN_LOOKUP_A', 'MITORUN_LOOKUP_EMPTY')",
    "lookup('env', 1)",
    "lookup('env', '')",
    "lookup('env', undefined_thing)",
    # pipe / lines
    "lookup('pipe', 'echo hello')",
    "lookup('pipe', 'printf \"a\\nb\\n\\n\"')",
    "lookup('pipe', 'cat top.txt')",
    "lookup('pipe', 'exit 3')",
    "lookup('pipe', 'echo one', 'echo two')",
    "lookup('pipe', 42)",
    "lookup('lines', 'printf \"a\\nb\\n\"')",
    "query('lines', 'printf \"a\\nb\\n\"', 'echo c')",
    "lookup('lines', 'printf \"\"')",
    "lookup('lines', 'exit 2')",
    # vars / varnames
    "lookup('vars', 'y')",
    "lookup('vars', 'y', 'l')",
    "lookup('vars', 'nope_var')",
    "lookup('vars', 'nope_var') | default('d')",
    "lookup('vars', 'y', 'nope_var', default=0)",
    "lookup('vars', 'nope_var', default=none)",
    "query('vars', 'y', 'nope_var')",
    "lookup('vars', 1)",
    "lookup('vars', 'users')[0].name",
    "lookup('varnames', '^y$')",
    "query('varnames', '^u')",
    "query('varnames', '^(d|l)$', 's$')",
    "lookup('varnames', '[')",
    "lookup('varnames', 1)",
    "lookup('varnames', 'zzz_no_match')",
    # items / list / dict / indexed_items / nested / together
    "lookup('list', [1, 2], 3)",
    "query('list', [1, 2], 3)",
    "query('list', 'a')",
    "query('dict', d)",
    "query('dict', {'x': [1]}, {'y': none})",
    "lookup('dict', d)",
    "query('dict', [1])",
    "query('dict', 'str')",
    "query('indexed_items', ['a', 'b'])",
    "query('indexed_items', ['a', ['b', 'c']], 'd')",
    "query('nested', [1, 2], ['a', 'b'])",
    "query('nested', [1, 2], ['a'], ['x', 'y'])",
    "query('nested', [[1, 2], [3]], ['a'])",
    "query('nested', ['ab'])",
    "query('nested')",
    "query('nested', 1)",
    "query('together', [1, 2, 3], ['a', 'b'])",
    "query('together', [1, [2, 3]], ['a'])",
    "query('together')",
    "query('together', 5)",
    # subelements
    "query('subelements', users, 'groups')",
    "query('subelements', users, 'groups', {'skip_missing': True})",
    "query('subelements', users, 'auth.keys', {'skip_missing': True})",
    "query('subelements', users, 'auth.keys')",
    "query('subelements', registered.results, 'stdout_lines')",
    "query('subelements', registered, 'results')",
    "query('subelements', {'a': {'k': [1]}, 'b': {'k': [2, 3]}}, 'k')",
    "query('subelements', users)",
    "query('subelements', users, 1)",
    "query('subelements', [1], 'k')",
    "query('subelements', [{'k': 1}], 'k')",
    "query('subelements', [{'k': {'j': 1}}], 'k.j')",
    "query('subelements', [{'k': 1}], 'k.j')",
    "query('subelements', users, 'groups', 'skip_missing')",
    "query('subelements', users, 'groups', ['bad'])",
    # sequence
    "query('sequence', '5')",
    "query('sequence', '5-8')",
    "query('sequence', '2-10/2')",
    "query('sequence', '4:host%02d')",
    "query('sequence', 'start=5 end=11 stride=2 format=0x%02x')",
    "query('sequence', 'count=5')",
    "query('sequence', 'start=0x0f00 count=4 format=%04x')",
    # (only one invalid number per term: ansible sets the fields in the
    # order of a frozenset, which changes from run to run)
    "query('sequence', '0x12')",
    "query('sequence', '010-012')",
    "query('sequence', 'start=10 end=1 stride=-3')",
    "query('sequence', 'end=0')",
    "query('sequence', 'count=0')",
    "query('sequence', 'start=1')",
    "query('sequence', 'start=1 end=3 count=3')",
    "query('sequence', 'start=5 end=1')",
    "query('sequence', 'start=1 end=5 stride=-1')",
    "query('sequence', 'end=3 format=%s%s')",
    "query('sequence', 'end=3 foo=1')",
    "query('sequence', 'nonsense')",
    "query('sequence', start=2, end=4)",
    "query('sequence', 'end=3', start=2)",
    "query('sequence', 'end=3 stride=0')",
    "query('sequence', 'end=x')",
    "query('sequence', 'end=3 format=%f')",
    "query('sequence', 'end=2 format=%x%%')",
    "query('sequence', '1-3', '5')",
    "query('sequence', 5)",
    "query('sequence', 'end=2 format=%5.2f')",
    "query('sequence', 'end=2 format=%(x)s')",
    "query('sequence', 'start=3 count=3 stride=2')",
    "query('sequence', 'start=1e1 end=12')",
    "lookup('sequence', 'end=3')",
    # ini
    "lookup('ini', 'user', file='test.ini')",
    "lookup('ini', 'USER', file='test.ini')",
    "lookup('ini', 'name', file='test.ini')",
    "lookup('ini', 'empty', file='test.ini')",
    "lookup('ini', 'path', file='test.ini')",
    "lookup('ini', 'multi', file='test.ini')",
    "lookup('ini', 'pct', file='test.ini')",
    "lookup('ini', 'pct', file='test.ini', interpolation=False)",
    "lookup('ini', 'ref', file='test.ini')",
    "lookup('ini', 'badpct', file='test.ini')",
    "lookup('ini', 'badref', file='test.ini')",
    "lookup('ini', 'shared', file='test.ini')",
    "lookup('ini', 'nope', file='test.ini')",
    "lookup('ini', 'nope', file='test.ini', default='dflt')",
    "lookup('ini', 'key', file='test.ini', section='section two')",
    "lookup('ini', 'user', file='test.ini', section='nosuch')",
    "lookup('ini', 'user', file='test.ini', section='DEFAULT')",
    "lookup('ini', 'shared', file='test.ini', section='DEFAULT')",
    "query('ini', 'u.*', file='test.ini', re=True)",
    "query('ini', '.*', file='test.ini', section='section two', re=True)",
    "lookup('ini', 'novalue', file='novalue.ini', section='s')",
    "lookup('ini', 'novalue', file='novalue.ini', section='s', allow_no_value=True)",
    "lookup('ini', 'with', file='novalue.ini', section='s', allow_none=True)",
    "query('ini', '.*', file='novalue.ini', section='s', allow_none=True, re=True)",
    "lookup('ini', 'user file=test.ini')",
    "lookup('ini', 'key section=section two file=test.ini')",
    "lookup('ini', 'user file=test.ini section=global')",
    "lookup('ini', 'file=test.ini')",
    "lookup('ini', 'user bogus=1')",
    "lookup('ini', 'user file=a=b')",
    "lookup('ini', 'fallback')",
    "lookup('ini', 'user', file='nope.ini')",
    "lookup('ini', 'a', file='dup.ini', section='s')",
    "lookup('ini', 'k', file='noheader.ini')",
    "lookup('ini', 'k', file='dupsection.ini', section='s')",
    "lookup('ini', 'valid', file='junk.ini', section='s')",
    "lookup('ini', 'key', file='case.ini', section='s')",
    "lookup('ini', 'Key', file='case.ini', section='s', case_sensitive=True)",
    "lookup('ini', 'key', file='case.ini', section='s', case_sensitive=True)",
    "lookup('ini', 'user.name', type='properties', file='app.properties')",
    "lookup('ini', 'user.home', type='properties', file='app.properties')",
    "lookup('ini', 'color', type='properties', file='app.properties')",
    "lookup('ini', 'x', type='yaml', file='app.properties')",
    "lookup('ini', 'k', file='vaulted.ini')",
    "lookup('ini', 1, file='test.ini')",
    # csvfile
    "lookup('csvfile', 'alice', file='users.csv', delimiter=',')",
    "lookup('csvfile', 'bob', file='users.csv', delimiter=',', col=2)",
    "lookup('csvfile', 'carl, jr', file='users.csv', delimiter=',', col=2)",
    "lookup('csvfile', 'alice', file='users.csv', delimiter=',', col=-1)",
    "lookup('csvfile', 'alice', file='users.csv', delimiter=',', col=5)",
    "lookup('csvfile', 'nobody', file='users.csv', delimiter=',')",
    "lookup('csvfile', 'nobody', file='users.csv', delimiter=',', default='dflt')",
    "lookup('csvfile', '30', file='users.csv', delimiter=',', keycol=1, col=0)",
    "lookup('csvfile', 'alice')",
    "lookup('csvfile', 'bob', col='2')",
    "lookup('csvfile', 'bob', col='x')",
    "lookup('csvfile', 'bob file=semi.csv delimiter=;')",
    "lookup('csvfile', 'alice file=users.csv delimiter=, col=2')",
    "lookup('csvfile', 'alice bogus=1')",
    "lookup('csvfile', 'file=users.csv')",
    "lookup('csvfile')",
    "lookup('csvfile', 'alice', file='nope.csv')",
    "lookup('csvfile', 'alice', file='users.csv', delimiter=',,')",
    "lookup('csvfile', 'caf\u00e9', file='latin1.csv', delimiter=',', encoding='latin-1')",
    "lookup('csvfile', 'alice', 'bob', file='users.csv', delimiter=',')",
    # password (deterministic forms)
    "lookup('password', 'files/pw_existing')",
    "lookup('password', '@F@/files/pw_existing length=5')",
    "lookup('password', 'files/pw_salted')",
    "lookup('password', '/dev/null seed=abc length=12')",
    "lookup('password', '/dev/null seed=abc chars=digits length=8')",
    "lookup('password', '/dev/null', seed='xyz', length=10, chars=['ascii_lowercase'])",
    "lookup('password', '/dev/null seed=1 chars=a,,b length=10')",
    "lookup('password', '/dev/null seed=1 length=0')",
    "lookup('password', '@T@/pw_new seed=s1 length=8')",
    "lookup('password', '@T@/pw_new seed=other length=30')",
    "lookup('password', '@T@/sub/dir/pw seed=s2')",
    "lookup('password', '/dev/null bogus=1')",
    "lookup('password', '/dev/null seed=1 length=x')",
    "lookup('password', 'files/pw_ident ident=2a')",
    "lookup('password', 1)",
    "lookup('password', '/dev/null seed=1 length=6 encrypt=sha512_crypt')",
    # inventory_hostnames
    "query('inventory_hostnames', 'all')",
    "query('inventory_hostnames', 'web')",
    "query('inventory_hostnames', 'web:db')",
    "query('inventory_hostnames', 'all:!db')",
    "query('inventory_hostnames', 'web:&all')",
    "query('inventory_hostnames', 'web[0]')",
    "query('inventory_hostnames', 'web*')",
    "query('inventory_hostnames', '~db.*')",
    "query('inventory_hostnames', 'ungrouped')",
    "query('inventory_hostnames', 'nosuch')",
    "query('inventory_hostnames', 'localhost')",
    "query('inventory_hostnames', 'web', 'db')",
    "lookup('inventory_hostnames', 'web')",
    # config
    "lookup('config', 'DEFAULT_FORKS')",
    "lookup('config', 'DEFAULT_FORKS', show_origin=True)",
    "lookup('config', 'DEFAULT_BECOME_USER', show_origin=True)",
    "lookup('config', 'DEFAULT_MANAGED_STR')",
    "lookup('config', 'nope')",
    "lookup('config', 'nope', on_missing='skip')",
    "lookup('config', 'nope', on_missing='warn')",
    "lookup('config', 'nope', on_missing='bad')",
    "lookup('config', 'DEFAULT_FORKS', plugin_type='connection')",
    "lookup('config', 'DEFAULT_FORKS', plugin_type='nope')",
    "lookup('config', 1)",
    "query('config', 'DEFAULT_FORKS', 'ANY_ERRORS_FATAL')",
    "lookup('config', 'ANSIBLE_COW_ACCEPTLIST')",
    {"expr": "lookup('config', 'DEPRECATION_WARNINGS', show_origin=True)", "vars": {"ansible_deprecation_warnings": "no"}},
    # plugin settings: variables (the last one defined wins), defaults, types, choices
    {
        "expr": "query('config', 'remote_user', 'port', plugin_type='connection', plugin_name='ssh', show_origin=True)",
        "vars": {"ansible_user": "first", "ansible_ssh_user": "lola", "ansible_ssh_port": "2022"},
    },
    "query('config', 'port', 'ssh_args', 'use_tty', plugin_type='connection', plugin_name='ansible.builtin.ssh', show_origin=True)",
    {"expr": "lookup('config', 'timeout', plugin_type='connection', plugin_name='ssh')", "vars": {"ansible_ssh_timeout": "soon"}},
    {"expr": "lookup('config', 'ssh_transfer_method', plugin_type='connection', plugin_name='ssh')", "vars": {"ansible_ssh_transfer_method": "carrier pigeon"}},
    "lookup('config', 'become_flags', plugin_type='become', plugin_name='sudo', show_origin=True)",
    {"expr": "lookup('config', 'become_flags', plugin_type='become', plugin_name='su', show_origin=True)", "vars": {"ansible_su_flags": "-l"}},
    {"expr": "query('config', 'remote_tmp', 'system_tmpdirs', plugin_type='shell', plugin_name='sh')", "vars": {"ansible_remote_tmp": "yolo"}},
    "lookup('config', 'display_skipped_hosts', plugin_type='callback', plugin_name='default', show_origin=True)",
    "lookup('config', 'on_missing', plugin_type='lookup', plugin_name='config', show_origin=True)",
    "lookup('config', 'timeout', plugin_type='lookup', plugin_name='url', show_origin=True)",
    "lookup('config', 'nope', plugin_type='connection', plugin_name='ssh')",
    "lookup('config', 'nope', plugin_type='connection', plugin_name='ssh', on_missing='skip')",
    "lookup('config', 'port', plugin_type='connection', plugin_name='nosuch')",
    "lookup('config', 'port', plugin_type='connection')",
    # random_choice (deterministic forms)
    "lookup('random_choice')",
    "lookup('random_choice', 'only')",
]


def key_text(key) -> str:
    """Mapping keys as mitorun's bridge stores them (json.dumps' rules)."""
    if isinstance(key, str):
        return str(key)
    if key is None:
        return "null"
    if key is True:
        return "true"
    if key is False:
        return "false"
    return repr(plain(key))


def plain(value):
    if isinstance(value, dict):
        return {key_text(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return repr(value)


def placeholders(text: str) -> str:
    return text.replace(FIXTURE, F).replace(SCRATCH, T)


def concrete(value):
    if isinstance(value, str):
        return value.replace(F, FIXTURE).replace(T, SCRATCH)
    if isinstance(value, list):
        return [concrete(v) for v in value]
    if isinstance(value, dict):
        return {k: concrete(v) for k, v in value.items()}
    return value


def main() -> None:
    loader = DataLoader()
    loader.set_basedir(FIXTURE)
    loader.set_vault_secrets([("default", VaultSecret(b"lookup-secret"))])
    cases = []
    for spec in CASES:
        if isinstance(spec, str):
            spec = {"expr": spec}
        variables = dict(concrete(VARS))
        variables.update(concrete(spec.get("vars", {})))
        templar = Templar(loader=loader, variables=variables)
        WARNINGS.clear()
        case = dict(spec)
        try:
            result = templar.template(trust_as_template("{{ " + concrete(spec["expr"]) + " }}"))
            case["repr"] = placeholders(repr(plain(result)))
        except Exception as ex:  # the error is the observation
            case["error"] = placeholders(str(ex))
        case["warnings"] = [placeholders(w) for w in WARNINGS]
        cases.append(case)
    json.dump({"env": ENV, "vars": VARS, "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
