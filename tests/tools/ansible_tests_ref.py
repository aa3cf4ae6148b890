#!/usr/bin/env python3
"""Observe ansible-core's results for the math/url filters and the test
plugins, for `src/templating/tests/parity.rs`.

Usage (with the reference interpreter):
    /tmp/ref/bin/python tests/tools/ansible_tests_ref.py \
        > src/templating/tests/ref_cases.json

Every case is a single `{{ expr }}` template evaluated by ansible's Templar
with VARS. The output records, per case, either `repr()` of the native
result (tuples shown as lists and mapping keys as strings, the way
mitorun's `Value` holds them) or the error ansible raised. Nothing in the
output is written by hand.

The file tests use a fixture tree at FIXTURE, created here and recreated
identically by the Rust test.
"""
from __future__ import annotations

import json
import os
import random
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

FIXTURE = "/tmp/mitorun-tests-ref"

VARS = {
    "d": {"a": 1, "b": 2},
    "l": [3, 1, 2],
    "s": "abc",
    "nl": "x\nabc",
    "tn": "abc\n",
    "digits": "^\\d+$",
    "word_re": "(?P<w>\\w+)-\\1",
    "res_ok": {"changed": False, "failed": False},
    "res_failed": {"failed": True, "msg": "boom"},
    "res_loop": {"results": [{"changed": False}, {"changed": True}]},
    "users": [
        {"name": "bob", "age": 30},
        {"name": "Al", "age": 25},
        {"name": "carl", "age": 30},
    ],
    "vault_text": "$ANSIBLE_VAULT;1.1;AES256\n6162636465",
    "fx": FIXTURE,
}


def make_fixture() -> None:
    os.makedirs(FIXTURE + "/dir", exist_ok=True)
    with open(FIXTURE + "/file", "w") as f:
        f.write("hi\n")
    with open(FIXTURE + "/vault", "w") as f:
        f.write("$ANSIBLE_VAULT;1.1;AES256\n6162636465\n")
    for name, target in (("link", "file"), ("dangling", "missing"), ("dirlink", "dir")):
        path = FIXTURE + "/" + name
        if os.path.lexists(path):
            os.remove(path)
        os.symlink(target, path)


F = FIXTURE

CASES = [
    # unique (Jinja2's, case-insensitive by default; ansible's fallback)
    "[1, 2, 'a', 'A'] | unique",
    "['a', 'A', 'b'] | unique",
    "['a', 'A', 'b'] | unique(case_sensitive=true)",
    "['a', 'A', 'b'] | unique(false)",
    "[1, True, 1.0] | unique",
    "[1.0, 1] | unique",
    "[[1], [2], [1]] | unique",
    "[['a'], ['A'], 'a', 'A'] | unique",
    "[['a'], 'a', 'A'] | unique(case_sensitive=false)",
    "[{'a': 1}, {'a': 1.0}] | unique",
    "[(1, 2), (1, 2), [1, 2]] | unique",
    "users | unique(attribute='age')",
    "users | unique(attribute='nope')",
    "[1, 2] | unique(attribute='x')",
    "'aAbB' | unique",
    "d | unique",
    "5 | unique",
    "none | unique",
    # set theory
    "[1, 2, 3] | intersect([2, 3, 4])",
    "[1, 2, 3] | difference([2])",
    "[1, 2, 3] | symmetric_difference([3, 4])",
    "[80, 443] | union([8080])",
    "[1, 2] | union([2, 3])",
    "[{'a': 1}, {'b': 2}] | union([{'a': 1}])",
    "[[1], [2]] | difference([[2]])",
    "[[1], [2]] | symmetric_difference([[2], [3]])",
    "[[1], [2], [1]] | intersect([[1]])",
    "[1, 2, 1.0, True] | union([])",
    "[] | intersect(5)",
    "[1] | intersect(5)",
    "5 | union([1])",
    "'abc' | intersect('bcd') | sort",
    # min / max
    "['b', 'A'] | min",
    "['b', 'A'] | max",
    "['a', 'B'] | max(case_sensitive=true)",
    "['a', 'B'] | max",
    "users | min(attribute='age')",
    "users | max(attribute='age')",
    "users | max(attribute='name')",
    "[[3, 'x'], [1, 'y']] | min(attribute=0)",
    "[[3, 'x'], [1, 'y']] | min(attribute='0')",
    "users | min(attribute='nope')",
    "[] | min",
    "[1, 'a'] | min",
    "[[1, 2], [1, 1]] | max",
    "[{'a': 1}] | max",
    "d | max",
    "'hello' | max",
    "[1, 2.5, True] | max",
    "[2, 2.0] | min",
    # logarithms and powers
    "100 | log",
    "100 | log(10)",
    "8 | log(2)",
    "1 | log",
    "0 | log",
    "-1 | log",
    "'x' | log",
    "10 | log(1)",
    "2 | pow(3)",
    "2 | pow(0.5)",
    "-8 | pow(0.5)",
    "0 | pow(-1)",
    "10 | pow(400)",
    "'2' | pow(2)",
    "9 | root",
    "27 | root(3)",
    "27 | root('3')",
    "2 | root",
    "-1 | root",
    "16 | root(4.0)",
    "8 | root(0)",
    # human_readable / human_to_bytes
    "1024 | human_readable",
    "1023 | human_readable",
    "0 | human_readable",
    "1048576 | human_readable",
    "1536 | human_readable(isbits=true)",
    "1536 | human_readable(unit='M')",
    "1536 | human_readable(unit='x')",
    "1536.5 | human_readable",
    "0.125 | human_readable",
    "-5 | human_readable",
    "1125899906842624 | human_readable",
    "'1024' | human_readable",
    "none | human_readable",
    "'1K' | human_to_bytes",
    "'1.5 MB' | human_to_bytes",
    "'1.5 mb' | human_to_bytes",
    "'1MB' | human_to_bytes(isbits=true)",
    "'1Mb' | human_to_bytes(isbits=true)",
    "'1Mb' | human_to_bytes",
    "'1 megabyte' | human_to_bytes",
    "'1 kilobit' | human_to_bytes(isbits=true)",
    "'10' | human_to_bytes",
    "'10' | human_to_bytes('K')",
    "10 | human_to_bytes('M')",
    "'2.5' | human_to_bytes",
    "'3.5' | human_to_bytes",
    "'1 X' | human_to_bytes",
    "'abc' | human_to_bytes",
    "'.5K' | human_to_bytes",
    "'1.' | human_to_bytes",
    "'1B' | human_to_bytes",
    "'1b' | human_to_bytes",
    "'1 bytes' | human_to_bytes",
    "'1 BYTE' | human_to_bytes",
    "'1Y' | human_to_bytes",
    "'1KB ' | human_to_bytes",
    "'-1K' | human_to_bytes",
    "tn | human_to_bytes",
    # rekey_on_member
    "users | rekey_on_member('name')",
    "d | rekey_on_member('x')",
    "{'x': {'k': 1}, 'y': {'k': 2}} | rekey_on_member('k')",
    "[{'k': 1}, {'k': 1}] | rekey_on_member('k')",
    "[{'k': 1, 'v': 'a'}, {'k': 1, 'v': 'b'}] | rekey_on_member('k', duplicates='overwrite')",
    "[{'k': 1}] | rekey_on_member('k', duplicates='x')",
    "'abc' | rekey_on_member('k')",
    "[1] | rekey_on_member('k')",
    "[{'k': [1]}] | rekey_on_member('k')",
    "[{'k': 1}] | rekey_on_member('z')",
    "[{'k': true}, {'k': 1}] | rekey_on_member('k')",
    # zip and itertools
    "[1, 2] | zip([3, 4])",
    "[1, 2, 3] | zip('ab', [true])",
    "[] | zip",
    "[1, 2] | zip",
    "d | zip(d)",
    "[1, 2] | zip_longest([3])",
    "[1, 2] | zip_longest([3], fillvalue='x')",
    "[1] | zip_longest([2, 3], [4, 5, 6], fillvalue=0)",
    "5 | zip([1])",
    "[1, 2] | zip([3], strict=true)",
    "[1] | zip([3], strict=true)",
    "[1, 2] | product([3])",
    "[1, 2] | product('ab', repeat=2)",
    "[1, 2] | product",
    "[1, 2, 3] | permutations",
    "[1, 2, 3] | permutations(2)",
    "'abc' | permutations(2)",
    "[1, 2, 3] | permutations(0)",
    "[1, 2, 3] | permutations(-1)",
    "[1, 2, 3, 4] | combinations(2)",
    "[1, 2, 3] | combinations(5)",
    "[1, 2, 3] | combinations",
    # urls
    "'a%20b+c' | urldecode",
    "'%E2%82%AC%zz' | urldecode",
    "'%ff' | urldecode",
    "'plain' | urldecode",
    "1 | urldecode",
    "'a b/c?d=é&' | urlencode",
    "d | urlencode",
    "{'a b': 'c&d', 'x': none, 'y': true, 'z': [1, 2]} | urlencode",
    "[['a', 1], ['b', 2]] | urlencode",
    "['ab', 'cd'] | urlencode",
    "[1, 2] | urlencode",
    "[[1, 2, 3]] | urlencode",
    "1 | urlencode",
    "none | urlencode",
    "'~_.-/' | urlencode",
    "'http://user:pass@www.Acme.com:9000/dir/index.html?query=term#frag' | urlsplit",
    "'http://user:pass@www.Acme.com:9000/dir/index.html?query=term#frag' | urlsplit('hostname')",
    "'http://user:pass@www.Acme.com:9000/dir/index.html?query=term#frag' | urlsplit('port')",
    "'http://www.acme.com/' | urlsplit('port')",
    "'http://www.acme.com:99999/' | urlsplit",
    "'http://www.acme.com:abc/' | urlsplit",
    "'http://www.acme.com:abc/' | urlsplit('path')",
    "'x' | urlsplit('nope')",
    "'//host/path' | urlsplit",
    "'HTTP://[::1]:80/p;param?q#f' | urlsplit",
    "'http://[fe80::1%25eth0]/' | urlsplit('hostname')",
    "'http://[1.2.3.4]/' | urlsplit",
    "'http://[::1/' | urlsplit",
    "'http://[vx.y]/' | urlsplit",
    "'mailto:someone@example.com' | urlsplit",
    "'http://a/b' | urlsplit('')",
    "1 | urlsplit",
    "'path/only#x?y' | urlsplit",
    "'http://u@h' | urlsplit",
    "'http://:p@h:/' | urlsplit",
    "'  http://h/' | urlsplit",
    "'1http://h/' | urlsplit",
    "'http://h:+1/' | urlsplit('port')",
    "'http://h:007/' | urlsplit('port')",
    "'http://h\uff0fx/' | urlsplit",
    # Jinja2 builtin tests
    "'abc' is sequence",
    "d is sequence",
    "1 is sequence",
    "'abc' is iterable",
    "1 is iterable",
    "d is iterable",
    "none is iterable",
    "1 is integer",
    "true is integer",
    "1.0 is float",
    "1 is float",
    "true is number",
    "'1' is number",
    "1 is string",
    "'a' is string",
    "d is mapping",
    "l is mapping",
    "[1] is lower",
    "['a'] is lower",
    "'ABC1' is upper",
    "'abc' is upper",
    "1 is lower",
    "'' is lower",
    "none is none",
    "0 is none",
    "true is boolean",
    "1 is boolean",
    "1 is true",
    "true is true",
    "0 is false",
    "false is false",
    "3 is odd",
    "-3 is odd",
    "3.0 is odd",
    "4 is even",
    "4.5 is even",
    "'a' is odd",
    "10 is divisibleby 3",
    "10 is divisibleby(5)",
    "10.0 is divisibleby(2.5)",
    "10 is divisibleby(0)",
    "'a' is in 'abc'",
    "'a' is in d",
    "1 is in [1.0]",
    "1 is in 'abc'",
    "1 is eq 1.0",
    "1 is eq true",
    "'a' is ne 'a'",
    "'a' is lt 'b'",
    "1 is lt 'a'",
    "[1, 2] is lt [1, 3]",
    "1 is ge 1",
    "2 is greaterthan 1",
    "1 is lessthan 2",
    "1 is equalto 1",
    "none is le none",
    "d is callable",
    "'int' is filter",
    "'nope' is filter",
    "'version' is test",
    "'int' is test",
    "1 is filter",
    "none is test",
    "missing_var is filter",
    "'ansible.builtin.union' is filter",
    "'' is filter",
    "[] is filter",
    "1 is sameas 1",
    "none is sameas none",
    "true is sameas 1",
    "'a' is escaped",
    "missing_var is defined",
    "missing_var is undefined",
    "d.a is defined",
    "d.zz is undefined",
    "missing_var.x is defined",
    "missing_var is sequence",
    "missing_var is none",
    "missing_var is string",
    "missing_var is number",
    "missing_var is eq(1)",
    "missing_var is truthy",
    "1 is int",
    "'a' is safe",
    "'abc' is startingwith('a')",
    # task results
    "res_ok is failed",
    "res_ok is success",
    "res_ok is succeeded",
    "res_ok is successful",
    "res_ok is failure",
    "res_failed is failed",
    "res_failed is success",
    "res_ok is changed",
    "res_ok is change",
    "res_loop is changed",
    "{'results': [{'changed': false}]} is changed",
    "{'results': []} is changed",
    "{'results': [1]} is changed",
    "{'results': [{}, 1]} is changed",
    "{'results': [{'changed': 1}, 1]} is changed",
    "{} is skipped",
    "{'skipped': 'yes'} is skip",
    "{'finished': 0} is finished",
    "{'finished': 1} is finished",
    "{'started': 1} is started",
    "{'unreachable': true} is unreachable",
    "{} is reachable",
    "{'timedout': {'period': 5}} is timedout",
    "{'timedout': {}} is timedout",
    "{'timedout': true} is timedout",
    "'x' is failed",
    "[] is changed",
    "{'failed': 'false'} is failed",
    # regular expressions
    "'abc' is match('b')",
    "'abc' is search('b')",
    "'abc' is match('a')",
    "'ABC' is match('a', ignorecase=true)",
    "'ABC' is match('a', true)",
    "nl is search('^abc')",
    "nl is search('^abc', multiline=true)",
    "tn is match('abc$')",
    "'abc' is regex('b')",
    "'abc' is regex('^b', match_type='match')",
    "'abc' is regex('b', match_type='fullmatch')",
    "'abc' is regex('abc', match_type='fullmatch')",
    "'abc' is regex('b', match_type='nope')",
    "'abc' is regex('z', match_type='findall')",
    "123 is match('12')",
    "none is match('None')",
    "['a'] is search('a')",
    "'abc' is match('(')",
    "'abc' is match",
    "'12345' is match(digits)",
    "'12a45' is match(digits)",
    "'a{b' is search('a{b')",
    "'aaa' is match('a{,2}$')",
    "'ab' is search('a(?#note)b')",
    "'x[' is search('[[]')",
    "'a-a' is search(word_re)",
    # versions
    "'1.2.3' is version('1.2.0', '>')",
    "'1.2.3' is version('1.2.3')",
    "'1.2.3' is version('1.2.3', '==')",
    "'1.2.3' is version('1.2.3', '=')",
    "'1.2.3' is version('1.2.4', '<>')",
    "'1.2.3' is version('1.2.4', 'foo')",
    "'1.2' is version('1.2.0', 'eq')",
    "'1.2' is version('1.2.0', 'eq', strict=true)",
    "'1.2a1' is version('1.2', 'lt', strict=true)",
    "'1.2b2' is version('1.2a3', 'gt', strict=true)",
    "'1.2.3' is version('1.2', 'gt', version_type='strict')",
    "'1.2.x' is version('1.2', 'gt', strict=true)",
    "'1.0.0-alpha' is version('1.0.0', 'lt', version_type='semver')",
    "'1.0.0-alpha.1' is version('1.0.0-alpha.beta', 'lt', version_type='semantic')",
    "'1.0.0-alpha.beta' is version('1.0.0-beta', 'lt', version_type='semver')",
    "'1.0.0-rc.1' is version('1.0.0-rc.11', 'lt', version_type='semver')",
    "'1.0.0+build' is version('1.0.0', 'eq', version_type='semver')",
    "'1.0' is version('1.0.0', 'eq', version_type='semver')",
    "'01.0.0' is version('1.0.0', 'eq', version_type='semver')",
    "'1.0a1' is version('1.0', 'lt', version_type='pep440')",
    "'1!1.0' is version('2.0', 'gt', version_type='pep440')",
    "'1.0.post1' is version('1.0', 'gt', version_type='pep440')",
    "'1.0.dev1' is version('1.0a1', 'lt', version_type='pep440')",
    "'1.0+local.1' is version('1.0', 'gt', version_type='pep440')",
    "'v1.0.0' is version('1.0', 'eq', version_type='pep440')",
    "'1.0-1' is version('1.0.post1', 'eq', version_type='pep440')",
    "'1.x' is version('1.0', 'eq', version_type='pep440')",
    "'1.0' is version('1.0', 'eq', version_type='nope')",
    "'1.0' is version('1.0', 'eq', strict=true, version_type='loose')",
    "'' is version('1.0')",
    "'1.0' is version('')",
    "'1.a' is version('1.1', 'lt')",
    "'1.a' is version('1.a', 'eq')",
    "'1.10' is version('1.9', 'gt')",
    "1.10 is version('1.9', 'gt')",
    "'2.0-RC1' is version('2.0', 'gt')",
    "'v1.0' is version('1.0', 'gt')",
    "'1.0' is version_compare('1.0', 'ge')",
    "'2.4.0' is version('2.4', 'ne')",
    # any / all, truthy / falsy
    "[1, 0] is any",
    "[0, 0] is any",
    "[] is all",
    "[1, 0] is all",
    "'abc' is all",
    "5 is any",
    "d is any",
    "'yes' is truthy",
    "'no' is truthy",
    "'no' is truthy(convert_bool=true)",
    "'no' is falsy(convert_bool=true)",
    "' OFF ' is falsy(convert_bool=true)",
    "'foo' is truthy(convert_bool=true)",
    "[] is falsy",
    "'off' is falsy(true)",
    "2 is truthy(convert_bool=true)",
    "'0' is falsy(convert_bool=true)",
    "'0.0' is falsy(convert_bool=true)",
    "'' is truthy(convert_bool=true)",
    # vault
    "'x' is vault_encrypted",
    "1 is vault_encrypted",
    "missing_var is vault_encrypted",
    "vault_text is vault_encrypted",
    "(fx ~ '/vault') is vaulted_file",
    "(fx ~ '/file') is vaulted_file",
    "(fx ~ '/nope') is vaulted_file",
    # mathstuff tests
    "[1, 2] is contains(1)",
    "'abc' is contains('b')",
    "d is contains('a')",
    "5 is contains(1)",
    "('nan' | float) is nan",
    "('inf' | float) is nan",
    "1 is nan",
    "'x' is nan",
    "none is isnan",
    "[1, 2] is subset([1, 2, 3])",
    "[1, 2] is issubset([1, 3])",
    "[1, 2, 3] is superset([1])",
    "[1, 2, 3] is issuperset([4])",
    "'ab' is subset('abc')",
    "[1] is subset([1.0, true])",
    "[[1]] is subset([[1], [2]])",
    # files
    "(fx ~ '/dir') is directory",
    "(fx ~ '/file') is directory",
    "(fx ~ '/dirlink') is is_dir",
    "(fx ~ '/file') is file",
    "(fx ~ '/link') is is_file",
    "(fx ~ '/dangling') is file",
    "(fx ~ '/link') is link",
    "(fx ~ '/file') is is_link",
    "(fx ~ '/dangling') is link",
    "(fx ~ '/dangling') is exists",
    "(fx ~ '/dangling') is link_exists",
    "(fx ~ '/nope') is link_exists",
    "(fx ~ '/file') is exists",
    "'/' is abs",
    "'a/b' is is_abs",
    "'' is abs",
    "1 is abs",
    "none is exists",
    "'' is exists",
    "(fx ~ '/file') is same_file(fx ~ '/link')",
    "(fx ~ '/file') is is_same_file(fx ~ '/dir')",
    "(fx ~ '/nope') is same_file(fx ~ '/file')",
    "'/' is mount",
    "'/proc' is is_mount",
    "'/proc/' is mount",
    "fx is mount",
    "(fx ~ '/nope') is mount",
    "(fx ~ '/dirlink') is mount",
    "(fx ~ '/file') is mount",
    # uri
    "'http://example.com/x' is uri",
    "'foo' is uri",
    "'' is uri",
    "none is uri",
    "1 is uri",
    "0 is uri",
    "[] is uri",
    "'http://[::1' is uri",
    "'http://a' is uri(['https'])",
    "'https://a' is uri(schemes=['https'])",
    "'http://a' is uri('https')",
    "'http://a' is url",
    "'file:///etc' is url",
    "'mailto:x@y' is url",
    "'foo' is url",
    "'urn:isbn:123' is urn",
    "'URN:isbn:123' is urn",
    "'http://x' is urn",
    # fully qualified names
    "[1, 2] | ansible.builtin.min",
    "1 is ansible.builtin.odd",
    "'a' is ansible.legacy.match('a')",
    "[1] | ansible.builtin.union([2])",
    "missing_var is ansible.builtin.defined",
    "'1.0' is ansible.builtin.version('0.9', '>')",
    "'ansible.builtin.unique' is ansible.builtin.filter",
    # more edges
    "['a', 'A'] | min",
    "['B', 'a'] | min(case_sensitive=true)",
    "100 | log('10')",
    "-1 | log(10)",
    "true | pow(2)",
    "4 | root(2.0)",
    "true | human_readable",
    "1 | human_readable(isbits=true, unit='G')",
    "1000.0 | human_readable",
    "1.5 | human_to_bytes('K')",
    "true | human_to_bytes",
    "[3, 1] | intersect([1, 3])",
    "[1, 2] | union(none)",
    "d | min",
    "users | map(attribute='age') | max",
    "users | selectattr('age', 'gt', 20) | rekey_on_member('name') | list",
    "[('a', 1), ('b', 2)] | urlencode",
    "'ab' | zip_longest('c', fillvalue='-')",
    "[] | zip_longest",
    "'' | urlsplit",
    "none | urlsplit",
    "'http://h:0/' | urlsplit('port')",
    "'http://h/' | urlsplit('query')",
    "'a' is in ['a']",
    "none is in [none]",
    "{'a': 1} is in [{'a': 1.0}]",
    "[1, 2] is sameas [1, 2]",
    "2 is version('1', 'gt')",
    "1.0 is truthy(convert_bool=true)",
    "'TRUE' is truthy(convert_bool=true)",
    "' Yes ' is truthy(convert_bool=true)",
    "0.0 is falsy(convert_bool=true)",
    "'abc' is regex('b', match_type='split')",
    "{'a': 1} is contains('a')",
    "[[1]] is contains([1])",
    "'/' is same_file('/')",
    "1 is divisibleby(true)",
    "5 is lt(5.5)",
    "'a' is ge 'B'",
    "(1, 2) is lt (1, 3)",
    "(1, 2) is eq [1, 2]",
    "[1, 'a'] is eq [1, 'a']",
    "{'a': 1, 'b': 2} is eq {'b': 2, 'a': 1}",
    "[1, 2] is lt [1, 'a']",
    "'a' is lt none",
    "'ABC' is search('b', ignorecase=true)",
    "'1.0.0-beta.2' is version('1.0.0-beta.11', 'lt', version_type='semver')",
    "'1.0.0-1' is version('1.0.0-a', 'lt', version_type='semver')",
    "'1.0.0-alpha' is version('1.0.0-alpha.1', 'lt', version_type='semver')",
    "'2.0b1' is version('2.0', 'lt', version_type='strict')",
    "'1.0.0' is version('1.0', 'eq', version_type='strict')",
    "'1.0rc1' is version('1.0c1', 'eq', version_type='pep440')",
    "'1.0.0' is version('1', 'eq', version_type='pep440')",
    "'1.0+abc' is version('1.0+1', 'lt', version_type='pep440')",
    "' 1.0 ' is version('1.0', 'eq', version_type='pep440')",
    "'1.0a' is version('1.0a0', 'eq', version_type='pep440')",
    "'1.0.post' is version('1.0.post0', 'eq', version_type='pep440')",
    "'1.0' is version('1.0', 'ne')",
    "'1.0' is version('1.0', '<=')",
    "'0.9' is version('1.0', 'lt', version_type='loose')",
    "'1.2.3.4' is version('1.2.3', 'gt')",
    "'1.0.0' is version('1.0.0', 'eq', version_type=none)",
]


def random_set_cases() -> list[str]:
    """Set operations on numbers, whose order ansible takes from CPython's
    set table."""
    rng = random.Random(2019)
    pools = [
        lambda: rng.randint(0, 20),
        lambda: rng.randint(-50, 50),
        lambda: rng.randint(0, 10**6),
        lambda: rng.choice([0, 1, 2, 3, 8, 16, 32, 64, 1024, 4096, -1, -2]),
        lambda: rng.choice([0.5, 1.5, 2.0, -0.25, 1e10, 3.75, 7, 9, True, False]),
    ]
    cases = []
    for _ in range(40):
        pool = rng.choice(pools)
        a = [pool() for _ in range(rng.randint(0, 14))]
        b = [pool() for _ in range(rng.randint(0, 14))]
        op = rng.choice(["union", "intersect", "difference", "symmetric_difference"])
        cases.append(f"{fmt(a)} | {op}({fmt(b)})")
    for size in (3, 9, 30, 70):
        a = [rng.randint(0, 1000) for _ in range(size)]
        b = [rng.randint(0, 1000) for _ in range(size // 3 + 1)]
        for op in ("union", "intersect", "difference", "symmetric_difference"):
            cases.append(f"{fmt(a)} | {op}({fmt(b)})")
            cases.append(f"{fmt(b)} | {op}({fmt(a)})")
    # A big left side and a small right side (copy-then-discard paths,
    # dummies, resizes), and heavily overlapping sides (dummy reuse).
    for size, small in ((40, 3), (90, 5), (200, 2), (25, 25), (60, 60)):
        a = [rng.randint(0, size * 2) for _ in range(size)]
        b = [rng.choice(a) if rng.random() < 0.7 else rng.randint(0, 500) for _ in range(small)]
        for op in ("difference", "symmetric_difference", "intersect", "union"):
            cases.append(f"{fmt(a)} | {op}({fmt(b)})")
    floats = [rng.uniform(-100, 100) for _ in range(12)] + [1e300, -1e-300, 2.0**70, 0.1, 0.2]
    cases.append(f"{fmt(floats[:9])} | union({fmt(floats[9:])})")
    cases.append(f"{fmt([10**20, -10**19, 2**61 - 1, 2**61, -(2**61), 2**62 + 5])} | union([1, 2, 3])")
    return cases


def fmt(items) -> str:
    return "[" + ", ".join("true" if x is True else "false" if x is False else repr(x) for x in items) + "]"


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


def main() -> None:
    make_fixture()
    templar = Templar(loader=DataLoader(), variables=VARS)
    cases = []
    for expr in CASES + random_set_cases():
        case = {"expr": expr}
        try:
            result = templar.template(trust_as_template("{{ " + expr + " }}"))
            case["repr"] = repr(plain(result))
        except Exception as ex:  # the error is the observation
            case["error"] = f"{type(ex).__name__}: {str(ex).splitlines()[0] if str(ex) else ''}"
        cases.append(case)
    json.dump({"fixture": FIXTURE, "vars": VARS, "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
