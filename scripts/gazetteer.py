#!/usr/bin/env python3
"""scripts/gazetteer.py [--out DIR] [--entities FILE]

Writes data/gazetteer.tsv (people, countries and organisations with every attested form of their
names) and data/gazetteer-check.txt (the cross-check report) from Debian's data packages and the
hand-maintained data/entities.in.tsv. Python 3 standard library only; the build and the server
never need the packages, only this script does:

    apt-get install -y unicode-cldr-core unicode-data m17n-db iso-codes

Sources (data-sources.md in ../shared/notes tells their traps):
  iso-codes          /usr/share/iso-codes/json/iso_3166-1.json: the list of countries and
                     territories, and their English ISO names (short, official, common);
  unicode-cldr-core  common/main/{en,vi,zh,zh_Hant}.xml <territory>: English, Vietnamese,
                     Simplified and Traditional Chinese names (and alt="short"/"variant");
  unicode-data       Unihan_Readings (kMandarin, kVietnamese) and Unihan_Variants
                     (kTraditionalVariant): pinyin, Hán-Việt and traditional forms of the
                     Chinese-character names of people of Viet Nam and China;
  m17n-db            vi-han.mim (HueCIT's Hán-Việt input method, keyed in telex): the fuller
                     Hán-Việt table (kVietnamese lacks many simplified characters and sometimes
                     gives a Nôm reading).

Output format (one entity a line, TAB-separated): @person|@country|@org, the canonical name, then
every other form. A form is matched folded, token by token (include/dateline/alias.h); a form
written "=Form" is matched as written (case and diacritics count). The output is sorted (type,
then canonical name) and byte-identical on every run with the same package versions.

Exit status: 0 written; 1 the data has a problem (every problem is printed; nothing is written);
2 a package file is missing.
"""
import argparse
import bz2
import json
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ["unicode-cldr-core", "unicode-data", "m17n-db", "iso-codes"]
CLDR_MAIN = "/usr/share/unicode/cldr/common/main"
CLDR_LOCALES = ["en", "vi", "zh", "zh_Hant"]
ISO_3166 = "/usr/share/iso-codes/json/iso_3166-1.json"
UNIHAN_READINGS = "/usr/share/unicode/Unihan_Readings.txt.bz2"
UNIHAN_VARIANTS = "/usr/share/unicode/Unihan_Variants.txt.bz2"
M17N_VI_HAN = "/usr/share/m17n/vi-han.mim"
SOURCE_FILES = [os.path.join(CLDR_MAIN, loc + ".xml") for loc in CLDR_LOCALES] + [
    ISO_3166, UNIHAN_READINGS, UNIHAN_VARIANTS, M17N_VI_HAN]

TYPES = ["@country", "@org", "@person"]  # output order

# Folded single tokens that are common English or Vietnamese words: a form folding to one of
# them must be written "=Form" (matched as written) or left out. "us" would tag every "us",
# "lao" every "lao động" (labour), "my" every "my". The test checks the committed file with the
# same list; tests/test_gazetteer.py imports it from here.
STOPWORDS = frozenset("""
a an and are as at be but by can do for from go had has have he her his i if in is it its me
my no not of on one or our so that the their them they this to up us was we were who will with
you all any may new now out see two
anh ao bi cho co cu da de di do duc ha han lao ma my nam nga nhat no phap sec thai trung uc y
""".split())

# Compound surnames (two characters read as one surname: 欧阳 Ouyang, Âu Dương).
COMPOUND_SURNAMES = frozenset("""
欧阳 歐陽 司马 司馬 诸葛 諸葛 上官 东方 東方 皇甫 令狐 夏侯 慕容 尉迟 尉遲 公孙 公孫 长孙 長孫
宇文 司徒 端木 轩辕 軒轅 呼延 独孤 獨孤 南宫 南宮 西门 西門 万俟 萬俟 闻人 聞人 澹台 澹臺
""".split())


class DataError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Folding and tokens: the same rules as lib/fold.c (dl_tokenize), for what this script compares.
# --------------------------------------------------------------------------------------------

def is_cjk(ch):
    """lib/fold.c dl_is_cjk(): a character that is a token of its own."""
    cp = ord(ch)
    if cp < 0x1100:
        return False
    return (cp <= 0x11FF or 0x2E80 <= cp <= 0x2FDF or 0x3000 <= cp <= 0x9FFF or
            0xA960 <= cp <= 0xA97F or 0xAC00 <= cp <= 0xD7FF or 0xF900 <= cp <= 0xFAFF or
            0xFF66 <= cp <= 0xFFDC or 0x1B000 <= cp <= 0x1B16F or 0x20000 <= cp <= 0x2A6DF or
            0x2A700 <= cp <= 0x2EBEF or 0x2F800 <= cp <= 0x2FA1F or 0x30000 <= cp <= 0x3134F)


def is_han(ch):
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH") or \
        unicodedata.name(ch, "").startswith("CJK COMPATIBILITY IDEOGRAPH")


def fold_text(s):
    """Case folding, combining marks removed, đ -> d, ø -> o, ł -> l (dl_fold)."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", s.replace("đ", "d").replace("ø", "o").replace("ł", "l"))


def tokens(s):
    """The tokens of s as dl_tokenize reports them, folded: runs of letters, marks, digits and
    connector punctuation; each CJK character alone; an apostrophe between letters splits the
    word, a possessive 's is dropped; format characters inside a word are skipped."""
    s = unicodedata.normalize("NFKC", s)
    out, cur = [], []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        cat = unicodedata.category(ch)
        if is_cjk(ch):
            if cur:
                out.append("".join(cur))
                cur = []
            out.append(ch)
        elif cat[0] in "LMN" or cat == "Pc":
            cur.append(ch)
        elif cat == "Cf" and ch != "\u200b":
            pass
        elif ch in "'\u2019" and cur and i + 1 < n and unicodedata.category(s[i + 1])[0] == "L":
            if s[i + 1] in "sS" and (i + 2 == n or unicodedata.category(s[i + 2])[0] not in "LMN"):
                i += 1  # possessive 's: dropped
            out.append("".join(cur))
            cur = []
        else:
            if cur:
                out.append("".join(cur))
                cur = []
        i += 1
    if cur:
        out.append("".join(cur))
    return [fold_text(t) for t in out if t]


def form_key(form):
    """What a form matches: ('=', text) as written, or ('~', 'folded tokens')."""
    if form.startswith("="):
        return ("=", unicodedata.normalize("NFC", form[1:]))
    return ("~", " ".join(tokens(form)))


def strip_marks(s):
    """s without its diacritics (đ -> d), case kept: the way a name is written without them."""
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", s.replace("đ", "d").replace("Đ", "D"))


def documents_spelling(a, b):
    """True when one of two forms folding alike is the other written without diacritics
    ("Viet Nam" beside "Việt Nam"): the one folded duplicate the gazetteer allows."""
    for plain, marked in ((a, b), (b, a)):
        if plain != marked and plain.isascii() and strip_marks(marked) == plain:
            return True
    return False


def has_cjk(s):
    return any(is_cjk(c) for c in s)


# --------------------------------------------------------------------------------------------
# Vietnamese syllables: tone apart from letters, so that tone-mark placement does not matter.
# --------------------------------------------------------------------------------------------

TONE_MARKS = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
TONE_CHARS = {v: k for k, v in TONE_MARKS.items()}
VOWELS = set("aăâeêioôơuưy")
MARKED_VOWELS = set("ăâêôơư")


def vi_split(syl):
    """('letters', tone) of a Vietnamese syllable, lower case; tone '' (ngang) or one of f s r x j
    (huyền sắc hỏi ngã nặng, the telex keys)."""
    d = unicodedata.normalize("NFD", syl.lower())
    tone = "".join(TONE_MARKS.get(c, "") for c in d)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
    if len(tone) > 1:
        raise DataError("syllable %r has two tone marks" % syl)
    return base, tone


def vi_iy(base):
    """Fold the i/y spelling variant of a syllable ending in a lone i or y after a consonant
    (lí/lý, kì/kỳ, hi/hy): the same syllable in the old and the reformed spelling."""
    m = re.fullmatch(r"([bcdđghklmnpqrstvx]+)[iy]", base)
    if m and m.group(1) not in ("qu", "gi"):
        return m.group(1) + "i"
    return base


def vi_iy_write(base):
    """The spelling names use for a syllable ending in a lone i/y after one consonant: y after
    h, k, l, m, t (Hy, Kỳ, Lý, Mỹ, Tỷ), i after the others (Thị, Chí, Nghị, Phi, Sĩ, Vĩ)."""
    m = re.fullmatch(r"([bcdđghklmnpqrstvx]+)[iy]", base)
    if m and m.group(1) not in ("qu", "gi"):
        return m.group(1) + ("y" if m.group(1) in ("h", "k", "l", "m", "t") else "i")
    return base


def vi_join(base, tone, new_style=False):
    """Write a syllable with its tone mark where Vietnamese puts it: the traditional placement
    that VNA writes (hòa, thủy), or with new_style the reformed one (hoà, thuỷ), which differs
    only in an open syllable ending in oa, oe or uy; always on the marked vowel of ươ, iê, uô
    (cường, tiến) and on the last vowel before a final consonant (hoàn, toán)."""
    if not tone:
        return base
    chars = list(base)
    start = 0
    if base.startswith("qu") or (base.startswith("gi") and len(base) > 2 and base[2] in VOWELS):
        start = 2
    idx = [i for i in range(start, len(chars)) if chars[i] in VOWELS]
    if not idx:
        idx = [i for i in range(len(chars)) if chars[i] in VOWELS]
    if not idx:
        raise DataError("syllable %r has no vowel" % base)
    marked = [i for i in idx if chars[i] in MARKED_VOWELS]
    if marked:
        pos = marked[-1]
    elif idx[-1] < len(chars) - 1:  # a final consonant: the last vowel (hoàn, toán)
        pos = idx[-1]
    elif len(idx) == 3:
        pos = idx[1]
    elif new_style and len(idx) == 2 and base[idx[0]:idx[1] + 1] in ("oa", "oe", "uy"):
        pos = idx[1]
    else:
        pos = idx[0]
    chars[pos] = unicodedata.normalize("NFC", chars[pos] + TONE_CHARS[tone])
    return "".join(chars)


def vi_spellings(syllables):
    """Every way of writing a name's syllables [(letters, tone)], old and new tone placement
    (Thụy Điển, Thuỵ Điển): what a form matched as written must list."""
    out = [""]
    for b, t in syllables:
        b = vi_iy_write(b)
        ways = sorted({vi_join(b, t), vi_join(b, t, True)})
        out = [(o + " " if o else "") + w.capitalize() for o in out for w in ways]
    return out


def telex_decode(key):
    """The syllable an m17n vi-han key spells in telex: aa â, aw ă, ee ê, oo ô, ow ơ, uw/w ư,
    dd đ, and a final s f r x j for the tone. Returns ('letters', tone)."""
    tone = ""
    if len(key) > 1 and key[-1] in "sfrxj":
        key, tone = key[:-1], key[-1]
    s = key.replace("dd", "đ").replace("uow", "ươ")
    for a, b in (("aa", "â"), ("aw", "ă"), ("ee", "ê"), ("oo", "ô"), ("ow", "ơ"), ("uw", "ư"),
                 ("w", "ư")):
        s = s.replace(a, b)
    return s, tone


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

def package_versions():
    out = {}
    for p in PACKAGES:
        try:
            r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p], capture_output=True,
                               text=True, check=False)
            out[p] = r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown"
        except OSError:
            out[p] = "unknown"
    return out


def load_iso():
    with open(ISO_3166, encoding="utf-8") as f:
        return {e["alpha_2"]: e for e in json.load(f)["3166-1"]}


def load_cldr(locale):
    """{code: [(alt, name)]} of the <territory> names of one CLDR locale, in file order."""
    out = {}
    root = ET.parse(os.path.join(CLDR_MAIN, locale + ".xml")).getroot()
    for el in root.iter("territory"):
        if el.text:
            out.setdefault(el.get("type"), []).append((el.get("alt"), el.text.strip()))
    return out


def unihan_lines(path):
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cp, field, value = line.rstrip("\n").split("\t", 2)
            yield chr(int(cp[2:], 16)), field, value


def load_unihan():
    mandarin, vietnamese, trad = {}, {}, {}
    for ch, field, value in unihan_lines(UNIHAN_READINGS):
        if field == "kMandarin":
            mandarin[ch] = value.split()
        elif field == "kVietnamese":
            vietnamese[ch] = value.split()
    for ch, field, value in unihan_lines(UNIHAN_VARIANTS):
        if field == "kTraditionalVariant":
            trad[ch] = [chr(int(v.split("<")[0][2:], 16)) for v in value.split()]
    return mandarin, vietnamese, trad


def load_m17n():
    """{character: {(letters, tone)}} from vi-han.mim's map: ("key" ("candidates"))."""
    out = {}
    with open(M17N_VI_HAN, encoding="utf-8") as f:
        text = f.read()
    for key, cands in re.findall(r'^\s*\("([a-z]+)"\s+\("([^"]*)"\)\)', text, re.M):
        syl = telex_decode(key)
        for ch in cands:
            if is_han(ch):
                out.setdefault(ch, set()).add(syl)
    return out


# --------------------------------------------------------------------------------------------
# The curated input
# --------------------------------------------------------------------------------------------

META_KEYS = ("src", "note", "vi", "except", "drop", "cldr", "hv", "pinyin", "trad", "risk")
ENTITY_TYPES = ("@person", "@country", "@org")


class Entity:
    def __init__(self, etype, canonical, line):
        self.type = etype
        self.canonical = canonical
        self.line = line
        self.nation = ""      # @person:vn -> "vn"
        self.code = ""        # @country: the ISO code
        self.typed = []       # forms written in the curated file
        self.meta = {}        # key -> [values]
        self.forms = []       # (form, origin) in output order, after merging
        self.han = ""         # the Chinese-character name readings are derived from

    def get(self, key):
        return self.meta.get(key, [])


def parse_curated(path):
    """Entities, reading overrides and deliberate shared forms of data/entities.in.tsv."""
    entities, readings, shared, errors = [], {}, {}, []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, raw in enumerate(lines, 1):
        line = unicodedata.normalize("NFC", raw.rstrip("\r"))
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if any(x != x.strip() or not x for x in fields):
            errors.append("%s:%d: an empty field or spaces around a field" % (path, no))
            continue
        head = fields[0]
        meta, forms = {}, []
        for x in fields[1:]:
            m = re.match(r"(%s):(.*)$" % "|".join(META_KEYS), x)
            if m:
                meta.setdefault(m.group(1), []).append(m.group(2).strip())
            else:
                forms.append(x)
        if head == "@reading":
            if len(forms) != 1 or len(forms[0]) != 1:
                errors.append("%s:%d: @reading takes one character" % (path, no))
                continue
            readings[forms[0]] = meta
            continue
        if head == "@shared":
            if len(forms) != 1 or "note" not in meta:
                errors.append("%s:%d: @shared takes one form and a note:" % (path, no))
                continue
            shared[folded_key(forms[0])] = meta["note"][0]
            continue
        etype, _, nation = head.partition(":")
        if etype not in ENTITY_TYPES:
            errors.append("%s:%d: unknown line type %r" % (path, no, head))
            continue
        if not forms:
            errors.append("%s:%d: no name" % (path, no))
            continue
        e = Entity(etype, forms[0], no)
        e.nation = nation
        e.meta = meta
        if etype == "@country":
            e.code, e.canonical = forms[0], ""
            e.typed = forms[1:]
        else:
            if forms[0].startswith("="):
                errors.append("%s:%d: a canonical name is never '='" % (path, no))
            e.typed = forms[1:]
        entities.append(e)
    return entities, readings, shared, errors


# --------------------------------------------------------------------------------------------
# Readings of Chinese-character names
# --------------------------------------------------------------------------------------------

class Han:
    def __init__(self, readings):
        self.mandarin, self.vietnamese, self.trad = load_unihan()
        self.m17n = load_m17n()
        self.over = readings

    def family(self, ch):
        """The character and its traditional variants: Hán-Việt readings are often only on the
        traditional form (苏 has no kVietnamese, 蘇 has tô)."""
        return [ch] + [t for t in self.trad.get(ch, []) if t != ch]

    def unihan_vi(self, ch):
        out = set()
        for c in self.family(ch):
            for r in self.vietnamese.get(c, []):
                out.add(vi_split(r))
        return out

    def m17n_vi(self, ch):
        out = set()
        for c in self.family(ch):
            out |= self.m17n.get(c, set())
        return out

    def pinyin(self, ch):
        o = self.over.get(ch, {}).get("pinyin")
        if o:
            return o[0], "override"
        r = self.mandarin.get(ch)
        if not r:
            raise DataError("%s U+%04X has no kMandarin reading: add @reading %s pinyin:..."
                            % (ch, ord(ch), ch))
        return r[0], "kMandarin"

    def hanviet(self, ch):
        """The Hán-Việt reading of one character: an @reading override, else the one reading
        both sources give, else m17n's only reading, else Unihan's only one; anything else is
        ambiguous and needs an override."""
        o = self.over.get(ch, {}).get("hv")
        if o:
            return vi_split(o[0]), "override"
        u, m = self.unihan_vi(ch), self.m17n_vi(ch)
        ui = {(vi_iy(b), t): (b, t) for b, t in sorted(u)}
        mi = {(vi_iy(b), t): (b, t) for b, t in sorted(m)}
        both = sorted(set(ui) & set(mi))
        if len(both) == 1:
            return mi[both[0]], "both"
        if not both and len(mi) == 1:
            return next(iter(mi.values())), "m17n"
        if not both and not mi and len(ui) == 1:
            return next(iter(ui.values())), "Unihan"
        cands = sorted({vi_join(b, t) for b, t in (both and [mi[k] for k in both] or
                                                   list(u | m))})
        raise DataError("%s U+%04X: Hán-Việt reading ambiguous (%s): add @reading %s hv:..."
                        % (ch, ord(ch), ", ".join(cands) or "none", ch))

    def traditional(self, ch):
        """The traditional form of a simplified character: kTraditionalVariant when it gives one
        character; when it also lists the character itself (范: 範 范, the surname stays 范; 克:
        克 剋), the choice depends on the word and an @reading trad: override settles it."""
        o = self.over.get(ch, {}).get("trad")
        if o:
            return o[0]
        t = self.trad.get(ch)
        if not t or t == [ch]:
            return ch
        if len(t) == 1:
            return t[0]
        raise DataError("%s U+%04X: traditional form ambiguous (%s): add @reading %s trad:..."
                        % (ch, ord(ch), " ".join(t), ch))

    def split_name(self, name):
        """[surname, given...] of a Chinese-character name: a compound surname is one part."""
        if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
            return [name[:2]] + list(name[2:])
        return [name[0]] + list(name[1:])


def pinyin_plain(p):
    """Tone marks dropped, ü kept."""
    d = unicodedata.normalize("NFD", p.lower())
    d = "".join(c for c in d if unicodedata.category(c) != "Mn" or c == "\u0308")
    return unicodedata.normalize("NFC", d).replace("v", "ü")


def pinyin_name(han, name):
    """习近平 -> 'Xi Jinping': surname, then the given name's syllables joined (an apostrophe
    before a syllable starting with a, o or e: Xi'an), tone marks dropped."""
    parts = han.split_name(name)
    sur = "".join(pinyin_plain(han.pinyin(c)[0]) for c in parts[0])
    given = ""
    for c in parts[1:]:
        syl = pinyin_plain(han.pinyin(c)[0])
        if given and syl[0] in "aoe":
            given += "'"
        given += syl
    words = [sur.capitalize()] + ([given.capitalize()] if given else [])
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------

def iso_english(e):
    """The English ISO names worth a form: no inverted "Korea, Republic of", no brackets."""
    out = []
    for k in ("name", "official_name", "common_name"):
        v = e.get(k)
        if not v or "," in v or "(" in v:
            continue
        if v.startswith("the "):
            v = v[4:]
        out.append(v)
    return out


def add_form(e, form, origin, problems):
    """Add a form unless one already there folds alike. The one folded duplicate kept is the
    spelling without diacritics ("Viet Nam" beside "Việt Nam"); a typed "=Form" replaces a
    source's folded one ("=Lào" for CLDR's "Lào"); two typed forms folding alike is a mistake."""
    form = unicodedata.normalize("NFC", form)
    key = form_key(form)
    folded = folded_key(form)
    if not folded:
        problems.append("line %d: %r has no token" % (e.line, form))
        return
    for i, (f, o) in enumerate(e.forms):
        if folded_key(f) != folded:
            continue
        k = form_key(f)
        if k[0] == key[0] == "~" and documents_spelling(f, form):
            continue
        if k[0] == key[0] == "=" and k != key:
            continue  # two spellings matched as written (Thụy Điển, Thuỵ Điển)
        if o == "typed" and origin == "typed" and f != e.canonical:
            problems.append("line %d: %r and %r are one form after folding" % (e.line, f, form))
        elif key[0] == "=" and k[0] == "~" and origin == "typed" and o != "typed":
            e.forms[i] = (form, origin)
        return
    e.forms.append((form, origin))


def folded_key(form):
    """The folded tokens of a form, '=' or not: what decides whether two forms collide."""
    return " ".join(tokens(form[1:] if form.startswith("=") else form))


def build(curated_path):
    entities, readings, shared, problems = parse_curated(curated_path)
    if problems:
        raise DataError("\n".join(problems))
    iso = load_iso()
    cldr = {loc: load_cldr(loc) for loc in CLDR_LOCALES}
    han = Han(readings)
    report = Report(han)

    by_code = {}
    for e in entities:
        if e.type == "@country":
            if e.code not in iso:
                problems.append("line %d: %s is not an ISO 3166-1 code" % (e.line, e.code))
            if e.code in by_code:
                problems.append("line %d: %s listed twice" % (e.line, e.code))
            by_code[e.code] = e
    for code in sorted(iso):
        if code not in by_code:
            e = Entity("@country", "", 0)
            e.code = code
            entities.append(e)
            by_code[code] = e

    for e in entities:
        drops = set(e.get("drop"))
        used_drops = set()

        def source(form, origin):
            if form in drops:
                used_drops.add(form)
                return
            add_form(e, form, origin, problems)

        if e.type == "@country":
            en = cldr["en"].get(e.code, [])
            main = [n for alt, n in en if alt is None]
            if not main:
                problems.append("%s: no CLDR English name" % e.code)
                continue
            e.canonical = main[0]
            add_form(e, e.canonical, "cldr", problems)
            for f in e.typed:
                add_form(e, f, "typed", problems)
            for alt, n in en:
                if alt in ("short", "variant"):
                    source(n, "cldr")
            for n in iso_english(iso[e.code]):
                source(n, "iso")
            for loc in CLDR_LOCALES[1:]:
                for alt, n in cldr[loc].get(e.code, []):
                    if alt in (None, "short", "variant"):
                        source(n, "cldr")
        else:
            add_form(e, e.canonical, "typed", problems)
            for f in e.typed:
                add_form(e, f, "typed", problems)
            for code in e.get("cldr"):
                for loc in CLDR_LOCALES:
                    for alt, n in cldr[loc].get(code, []):
                        if alt in (None, "short", "variant"):
                            source(n, "cldr")
        for d in sorted(drops - used_drops):
            problems.append("line %d: drop:%s matches no source form" % (e.line, d))
        if e.type == "@person" and e.nation in ("vn", "cn"):
            try:
                derive_han(e, han, report, problems)
            except DataError as err:
                problems.append("line %d (%s): %s" % (e.line, e.canonical, err))

    check_entities(entities, shared, problems)
    if problems:
        raise DataError("\n".join(problems))
    entities.sort(key=lambda e: (TYPES.index(e.type), fold_text(e.canonical), e.canonical))
    return entities, report, shared, readings


def derive_han(e, han, report, problems):
    """Pinyin, Hán-Việt and traditional forms of a Vietnamese or Chinese person's name written in
    Chinese characters, and their cross-check against the Latin spelling."""
    cjk = [f for f, _ in e.forms if has_cjk(f) and not f.startswith("=")]
    if not cjk:
        report.no_han.append(e)
        return
    name = cjk[0]
    if not all(is_han(c) for c in name):
        problems.append("line %d: %r is not all Chinese characters" % (e.line, name))
        return
    e.han = name
    for f in cjk[1:]:
        if len(f) != len(name):
            problems.append("line %d: %r and %r differ in length" % (e.line, name, f))
    trad = "".join(han.traditional(c) for c in name)
    excepts = e.get("except")

    # Pinyin: the official spelling for a Chinese person, a generated form for a Vietnamese one.
    py = pinyin_name(han, name)
    if e.nation == "cn":
        ok = py.lower() == e.canonical.lower()
        report.pinyin.append((e, py, ok))
        if not ok and not excepts:
            problems.append("line %d: pinyin of %s is %r, not %r: fix the data, add a @reading "
                            "pinyin: override or an except: with the reason"
                            % (e.line, name, py, e.canonical))
    if e.nation != "cn" or py.lower() == e.canonical.lower():
        add_form(e, py, "pinyin", problems)

    # Hán-Việt: the Vietnamese spelling for a Vietnamese person, the attested vi: spelling for a
    # Chinese one, compared syllable by syllable with what Unihan and m17n give.
    expected = e.canonical if e.nation == "vn" else (e.get("vi") or [""])[0]
    gen = [han.hanviet(c) for c in name]
    hv = " ".join(vi_join(vi_iy_write(b), t).capitalize() for (b, t), _ in gen)
    if expected:
        exp = expected.split()
        if len(exp) != len(name):
            problems.append("line %d: %r has %d syllables, %s %d characters"
                            % (e.line, expected, len(exp), name, len(name)))
            return
        res = compare_hanviet(han, name, exp, gen)
        report.hanviet.append((e, name, expected, hv, res))
        for ch, want, g, how, u, m, iy in res["per"]:
            # A source that reads the character otherwise (a Nôm reading, another word written
            # with the same simplified character) is a mismatch to explain, even when the other
            # source confirms the name: a @reading line with a note, or an except: here.
            gives_other = (not u and han.unihan_vi(ch)) or (not m and han.m17n_vi(ch))
            if gives_other and not han.over.get(ch, {}).get("note") and not excepts:
                problems.append("line %d: %s %s: a source reads %s otherwise (%s): explain it "
                                "with @reading %s note:... or except:" % (
                                    e.line, name, want, ch, ", ".join(sorted(
                                        vi_join(b, t) for b, t in
                                        (han.unihan_vi(ch) if not u else han.m17n_vi(ch)))), ch))
        if res["verdict"] != "exact" and not excepts:
            problems.append("line %d: Hán-Việt of %s is %r (%s), not %r: fix the data, add a "
                            "@reading hv: override or an except: with the reason"
                            % (e.line, name, hv, res["verdict"], expected))
        elif e.nation == "cn" and hv != expected and not excepts:
            problems.append("line %d: the Hán-Việt form generated for %s is %r, VNA writes %r: "
                            "add a @reading hv: override for the character read otherwise"
                            % (e.line, name, hv, expected))
    if e.nation == "cn":
        if expected and hv != expected:
            pass  # an exception: the generated form is not the attested one, so it is not added
        else:
            # A two-syllable Sino-Vietnamese name folds like common words (蔡奇 Thái Kỳ: "thai kỳ",
            # pregnancy; 秦刚 Tần Cương: Tân Cương, Xinjiang): matched as written, in each
            # tone placement.
            if len(name) == 2:
                for w in vi_spellings([b for b, _ in gen]):
                    add_form(e, "=" + w, "hanviet", problems)
            else:
                add_form(e, hv, "hanviet", problems)
    if trad != name:
        add_form(e, trad, "traditional", problems)
        report.trad.append((e, name, trad))


def compare_hanviet(han, name, expected, gen):
    per, srcs = [], []
    exact = folded = True
    for ch, want, ((gb, gt), how) in zip(name, expected, gen):
        wb, wt = vi_split(want)
        wk = (vi_iy(wb), wt)
        u = {(vi_iy(b), t) for b, t in han.unihan_vi(ch)}
        m = {(vi_iy(b), t) for b, t in han.m17n_vi(ch)}
        over = han.over.get(ch, {}).get("hv")
        ok = wk == (vi_iy(gb), gt) or wk in u or wk in m
        srcs.append((wk in u, wk in m, bool(over) and wk == (vi_iy(gb), gt)))
        if not ok:
            exact = False
            fk = fold_text(wb)
            if not any(fold_text(b) == fk or vi_iy(fold_text(b)) == vi_iy(fk)
                       for b, _ in han.unihan_vi(ch) | han.m17n_vi(ch)):
                folded = False
        raw = han.unihan_vi(ch) | han.m17n_vi(ch)
        iy = (wb, wt) not in raw and any((vi_iy(b), t) == wk for b, t in raw)
        per.append((ch, want, vi_join(gb, gt), how, wk in u, wk in m, iy))
    verdict = "exact" if exact else ("folded only" if folded else "mismatch")
    by_u = all(s[0] for s in srcs)
    by_m = all(s[1] for s in srcs)
    by_either = all(s[0] or s[1] for s in srcs)
    if by_u and by_m:
        conf = "both"
    elif by_u:
        conf = "Unihan only"
    elif by_m:
        conf = "m17n only"
    elif by_either:
        conf = "together"
    else:
        conf = "neither"
    return {"verdict": verdict, "per": per, "confirmed": conf}


def check_entities(entities, shared, problems):
    """The checks the test repeats on the committed file (check_lines), on the built entities."""
    lines = [format_entity(e) for e in entities]
    problems.extend(check_lines(lines, shared))


# --------------------------------------------------------------------------------------------
# Checks of gazetteer lines (used here and by tests/test_gazetteer.py on the committed file)
# --------------------------------------------------------------------------------------------

def parse_line(line):
    fields = line.split("\t")
    if len(fields) < 2 or fields[0] not in TYPES:
        raise ValueError("not '@person|@country|@org<TAB>name...'")
    if any(not f or f != f.strip() for f in fields):
        raise ValueError("an empty field or spaces around a field")
    if fields[1].startswith("="):
        raise ValueError("the canonical name %r starts with '='" % fields[1])
    if any(unicodedata.normalize("NFC", f) != f for f in fields):
        raise ValueError("not NFC")
    return fields[0], fields[1], fields[1:]


def check_lines(lines, shared, first=1):
    """Problems of gazetteer lines: format, folded duplicates within an entity, a form shared by
    two entities (unless its folding is listed in `shared`), a form folding to a stop word or to
    one or two letters without '='. Returns a list of messages."""
    problems = []
    owner = {}  # folded key -> [(line, canonical, form)]
    for no, line in enumerate(lines, first):
        try:
            _, canon, forms = parse_line(line)
        except ValueError as err:
            problems.append("line %d: %s" % (no, err))
            continue
        seen = {}
        for f in forms:
            folded = folded_key(f)
            if not folded:
                problems.append("line %d: %r has no token" % (no, f))
                continue
            if not f.startswith("="):
                if folded in STOPWORDS:
                    problems.append("line %d (%s): %r folds to the common word %r: write "
                                    "'=%s' or leave it out" % (no, canon, f, folded, f))
                elif len(folded) <= 2 and folded.isascii() and folded.isalpha():
                    problems.append("line %d (%s): %r folds to %r, one or two letters: write "
                                    "'=%s'" % (no, canon, f, folded, f))
            if folded in seen:
                other = seen[folded]
                both_exact = other.startswith("=") and f.startswith("=") and other != f
                plain = not other.startswith("=") and not f.startswith("=")
                if not both_exact and not (plain and documents_spelling(other, f)):
                    problems.append("line %d (%s): %r and %r are one form after folding"
                                    % (no, canon, other, f))
            else:
                seen[folded] = f
                owner.setdefault(folded, []).append((no, canon, f))
    for folded, owners in owner.items():
        if len(owners) < 2 or folded in shared:
            continue
        exact = [o for o in owners if o[2].startswith("=")]
        # Two forms matched as written collide only when written alike; any folded form
        # matches what every other form folding alike would.
        if len(exact) == len(owners) and len({o[2] for o in exact}) == len(exact):
            continue
        problems.append("%r is a form of %d entities: %s (list it as @shared with a note if "
                        "deliberate)" % (folded, len(owners), "; ".join(
                            "line %d %s (%s)" % o for o in owners)))
    return problems


def format_entity(e):
    forms = [e.canonical] + [f for f, _ in e.forms if f != e.canonical]
    # Latin forms first, then Chinese-character ones, each in the order they were added.
    order = sorted(range(1, len(forms)), key=lambda i: (has_cjk(forms[i]), i))
    return "\t".join([e.type, forms[0]] + [forms[i] for i in order])


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------

class Report:
    def readings_of(self, ch, source):
        if source == "Unihan":
            rs = self.han.unihan_vi(ch)
        else:
            rs = self.han.m17n_vi(ch)
        return sorted(vi_join(b, t) for b, t in rs)

    def __init__(self, han=None):
        self.han = han
        self.hanviet = []   # (entity, name, expected, generated, result)
        self.pinyin = []    # (entity, generated, ok)
        self.trad = []      # (entity, simplified, traditional)
        self.no_han = []    # people of VN/CN with no Chinese-character name

    def render(self, entities, versions, shared, readings):
        out = ["# Cross-check of data/gazetteer.tsv, written by scripts/gazetteer.py with it. "
               "Do not edit.", "# Packages: " + ", ".join("%s %s" % kv for kv in
                                                          sorted(versions.items())), ""]
        out.append("## Entities and forms")
        for t in TYPES:
            es = [e for e in entities if e.type == t]
            nf = sum(1 + sum(1 for f, _ in e.forms if f != e.canonical) for e in es)
            cs = sum(1 for e in es for f, _ in e.forms if f.startswith("="))
            out.append("%-9s %4d entities %5d forms (%d matched as written, '=')"
                       % (t, len(es), nf, cs))
        origins = {}
        for e in entities:
            for f, o in e.forms:
                origins[o] = origins.get(o, 0) + 1
        out.append("forms by origin: " + ", ".join("%s %d" % kv for kv in sorted(origins.items())))
        out.append("")

        out.append("## Hán-Việt: the reading of the Chinese-character name against the "
                   "Vietnamese spelling")
        out.append("# (Vietnamese people: their name; Chinese people: the attested vi: spelling)")
        out.append("# per character: reading confirmed by U = Unihan kVietnamese (the character or "
                   "its traditional form), M = m17n vi-han")
        n = len(self.hanviet)
        counts = {}
        verdicts = {}
        for e, name, exp, gen, res in self.hanviet:
            counts[res["confirmed"]] = counts.get(res["confirmed"], 0) + 1
            verdicts[res["verdict"]] = verdicts.get(res["verdict"], 0) + 1
            marks = " ".join("%s=%s[%s%s]" % (ch, want, "U" if u else "-", "M" if m else "-")
                             for ch, want, g, how, u, m, iy in res["per"])
            exc = "; ".join(e.get("except"))
            out.append("%-8s %-22s %-7s %-12s %s%s" % (
                e.nation, exp, name, res["verdict"], marks,
                ("  generated: " + gen if gen.lower() != exp.lower() else "") +
                ("  EXCEPTION: " + exc if exc and res["verdict"] != "exact" else "")))
        out.append("")
        out.append("names checked: %d; exact (tone marks included) %d, folded only %d, "
                   "mismatch %d" % (n, verdicts.get("exact", 0), verdicts.get("folded only", 0),
                                    verdicts.get("mismatch", 0)))
        iy = sum(1 for r in self.hanviet for p in r[4]["per"] if p[6])
        out.append("syllables matched through the i/y spelling variant (lí = lý): %d" % iy)
        out.append("names confirmed whole, every character by one source:")
        for k in ("both", "Unihan only", "m17n only", "together", "neither"):
            c = counts.get(k, 0)
            label = {"both": "by both (Unihan and m17n each alone)",
                     "Unihan only": "by Unihan alone (not m17n)",
                     "m17n only": "by m17n alone (not Unihan)",
                     "together": "only by the two together",
                     "neither": "not confirmed (see the exceptions)"}[k]
            out.append("  %-40s %3d  %5.1f%%" % (label, c, 100.0 * c / n if n else 0))
        nu = sum(1 for r in self.hanviet if r[4]["confirmed"] in ("both", "Unihan only"))
        nm = sum(1 for r in self.hanviet if r[4]["confirmed"] in ("both", "m17n only"))
        out.append("  %-40s %3d  %5.1f%%" % ("Unihan confirms (alone or with m17n)", nu,
                                             100.0 * nu / n if n else 0))
        out.append("  %-40s %3d  %5.1f%%" % ("m17n confirms (alone or with Unihan)", nm,
                                             100.0 * nm / n if n else 0))
        chars = [p for r in self.hanviet for p in r[4]["per"]]
        cu = sum(1 for p in chars if p[4])
        cm = sum(1 for p in chars if p[5])
        cb = sum(1 for p in chars if p[4] and p[5])
        out.append("characters: %d; confirmed by Unihan %d, by m17n %d, by both %d, by neither %d"
                   % (len(chars), cu, cm, cb, sum(1 for p in chars if not p[4] and not p[5])))
        out.append("")

        out.append("## Pinyin of Chinese people's names against their official spelling")
        ok = sum(1 for _, _, k in self.pinyin if k)
        for e, py, k in self.pinyin:
            exc = "; ".join(e.get("except"))
            out.append("%-22s %-8s %s%s" % (e.canonical, e.han, "ok" if k else "MISMATCH: " + py,
                                            ("  EXCEPTION: " + exc) if not k else ""))
        out.append("pinyin matches: %d of %d" % (ok, len(self.pinyin)))
        out.append("")

        out.append("## Generated forms of Vietnamese and Chinese people")
        for e in sorted([e for e in entities if e.han],
                        key=lambda e: (e.nation, fold_text(e.canonical))):
            gen = ["%s %s" % (o, f) for f, o in e.forms if o in ("pinyin", "hanviet",
                                                                  "traditional")]
            out.append("%-8s %-24s %s" % (e.nation, e.canonical, "; ".join(gen) or "-"))
        for e in self.no_han:
            out.append("%-8s %-24s no Chinese-character name attested" % (e.nation, e.canonical))
        out.append("")

        out.append("## Readings one source gives that differ from the name (the other source "
                   "confirms it)")
        seen = set()
        for e, name, exp, gen, res in self.hanviet:
            for ch, want, g, how, u, m, iy in res["per"]:
                if (u and m) or (ch, want) in seen:
                    continue
                seen.add((ch, want))
                miss = "Unihan" if not u else "m17n"
                have = self.readings_of(ch, miss)
                why = "; ".join(self.han.over.get(ch, {}).get("note", [])) if have else \
                    "no reading of the character or of its traditional form"
                out.append("%s %-8s %-7s gives %-8s (in %s)  %s" % (
                    ch, want, miss, ", ".join(have) or "nothing", name, why))
        out.append("")
        out.append("## Known ambiguities kept (risk: in data/entities.in.tsv)")
        for e in entities:
            for r in e.get("risk"):
                out.append("%s %s: %s" % (e.type, e.canonical, r))
        out.append("")
        out.append("## data/aliases.tsv (the user's table, not replaced) against the gazetteer")
        out.extend(compare_aliases(entities))
        out.append("")
        out.append("## Exceptions (curated except:, each with its reason)")
        exc = [(e.canonical, x) for e in entities for x in e.get("except")]
        for c, x in exc:
            out.append("%s: %s" % (c, x))
        if not exc:
            out.append("none")
        out.append("")
        out.append("## Reading overrides (@reading in data/entities.in.tsv)")
        for ch in sorted(readings):
            m = readings[ch]
            out.append("%s %s  %s" % (ch, " ".join("%s:%s" % (k, m[k][0]) for k in
                                                  ("pinyin", "hv", "trad") if k in m),
                                      "; ".join(m.get("note", []))))
        out.append("")
        out.append("## Forms deliberately shared by two entities (@shared)")
        for k in sorted(shared):
            out.append("%s: %s" % (k, shared[k]))
        if not shared:
            out.append("none")
        return "\n".join(out) + "\n"


def compare_aliases(entities, path=os.path.join(ROOT, "data", "aliases.tsv")):
    """For each group of the alias table: the entity sharing a form with it, and the group's
    forms the entity lacks (or why the group has none)."""
    if not os.path.exists(path):
        return ["(no %s)" % path]
    where = {}
    for e in entities:
        for f in [e.canonical] + [f for f, _ in e.forms]:
            where.setdefault(folded_key(f), e)
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            forms = line.split("\t")
            hits = {where[folded_key(f)] for f in forms if folded_key(f) in where}
            if not hits:
                out.append("%-24s no entity (the gazetteer has people, countries and "
                           "organisations, no cities)" % forms[0])
                continue
            for e in sorted(hits, key=lambda e: e.canonical):
                have = {folded_key(f) for f in [e.canonical] + [f for f, _ in e.forms]}
                missing = [f for f in forms if folded_key(f) not in have]
                out.append("%-24s = %s %s%s" % (forms[0], e.type, e.canonical,
                                                  ("; not in the gazetteer: " + ", ".join(missing))
                                                  if missing else ""))
    return out


def header(versions):
    return [
        "# dateline gazetteer: people, countries and organisations, one a line, with every "
        "attested form",
        "# of their names (format: README.md, Data). GENERATED by scripts/gazetteer.py from "
        "data/entities.in.tsv",
        "# and the Debian packages " + ", ".join("%s %s" % (p, versions[p]) for p in PACKAGES)
        + ".",
        "# Do not edit by hand: edit data/entities.in.tsv and run scripts/gazetteer.py "
        "(the user's own",
        "# additions go in data/aliases.tsv, which this file does not replace). "
        "The cross-check is data/gazetteer-check.txt.",
        "# Fields: @person|@country|@org, the canonical name, then the other forms; "
        "a form \"=Form\" is matched as written.",
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "data"),
                    help="folder for gazetteer.tsv and gazetteer-check.txt (default: data/)")
    ap.add_argument("--entities", default=os.path.join(ROOT, "data", "entities.in.tsv"),
                    help="the curated input (default: data/entities.in.tsv)")
    args = ap.parse_args(argv)
    missing = [p for p in SOURCE_FILES if not os.path.exists(p)]
    if missing:
        print("gazetteer: missing %s: apt-get install -y %s" % (", ".join(missing),
                                                               " ".join(PACKAGES)),
              file=sys.stderr)
        return 2
    try:
        entities, report, shared, readings = build(args.entities)
    except DataError as err:
        print("gazetteer: the data has problems, nothing written:\n%s" % err, file=sys.stderr)
        return 1
    versions = package_versions()
    lines = header(versions) + [format_entity(e) for e in entities]
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "gazetteer.tsv"), "\n".join(lines) + "\n")
    write(os.path.join(args.out, "gazetteer-check.txt"),
          report.render(entities, versions, shared, readings))
    counts = {t: sum(1 for e in entities if e.type == t) for t in TYPES}
    print("gazetteer: %s in %s" % (", ".join("%d %s" % (counts[t], t[1:]) for t in TYPES),
                                    os.path.join(args.out, "gazetteer.tsv")))
    return 0


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
