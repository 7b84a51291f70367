"""Reference codes: a check character that catches typos, and old codes still found."""

import json
import math
import random
import re
from urllib.parse import parse_qs, urlsplit

from webapp import db as store
from webapp.db import ALPHABET, check_character, new_reference, normalise_reference

from .test_staff import make_submission, sign_in
from .web import path_of

C = "[0-9A-HJKMNP-TV-Z]"
NEW = re.compile(rf"{C}{{4}}-{C}{{4}}-{C}{{5}}")
OLD = re.compile(rf"{C}{{4}}-{C}{{4}}-{C}{{4}}")
TYPO = "That code has a typo: check each character."
UNKNOWN = "No submission has that code."


def ungrouped(code: str) -> str:
    return code.replace("-", "")


def grouped(chars: str) -> str:
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def random_codes(n: int, seed: int = 11) -> list[str]:
    """n codes made as new_reference makes them, from a seeded generator."""
    rng = random.Random(seed)
    codes = []
    while len(codes) < n:
        chars = "".join(rng.choice(ALPHABET) for _ in range(12))
        if check_character(chars) is not None:
            codes.append(chars + check_character(chars))
    return codes


def slips(chars: str):
    """Every single substitution and every swap of two different neighbours."""
    for i, c in enumerate(chars):
        for other in ALPHABET:
            if other != c:
                yield chars[:i] + other + chars[i + 1 :]
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            yield chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]


# --- The check character ---------------------------------------------------------------


def test_the_check_is_crockfords_mod_37_symbol():
    """Crockford's check symbol, computed independently: the code's number mod 37."""
    symbols = ALPHABET + "*~$=U"
    digits = "0123456789abcdefghijklmnopqrstuv"  # Python's base 32, for int()
    rng = random.Random(37)
    redrawn = 0
    for _ in range(5000):
        body = "".join(rng.choice(ALPHABET) for _ in range(12))
        symbol = symbols[int("".join(digits[ALPHABET.index(c)] for c in body), 32) % 37]
        if symbol in ALPHABET:
            assert check_character(body) == symbol
        else:  # * ~ $ = U: never used, new_reference draws again
            assert check_character(body) is None
            redrawn += 1
    assert 0.10 < redrawn / 5000 < 0.17  # about 5 in 37


def test_every_single_substitution_and_adjacent_swap_is_caught():
    """Brute force: for 1,000 random codes, all 403 substitutions and all swaps of
    neighbours (the check character included) fail the check."""
    tried = 0
    for chars in random_codes(1000):
        assert normalise_reference(chars) == grouped(chars)
        for typo in slips(chars):
            assert normalise_reference(typo) == "", (chars, typo)
            tried += 1
    assert tried > 1000 * 403


def code_with(fixed: dict[int, str], rng: random.Random) -> str:
    """A valid new code with these characters at these positions (12 is the check)."""
    while True:
        body = "".join(fixed.get(i) or rng.choice(ALPHABET) for i in range(12))
        check = check_character(body)
        if check is not None and fixed.get(12, check) == check:
            return body + check


def test_every_slip_is_caught_at_every_position_for_every_pair_of_characters():
    """Exhaustively where it matters: a slip changes the code's number mod 37 by an
    amount that depends only on where it is and which characters, so trying every
    position and every pair of characters covers every code."""
    rng = random.Random(5)
    for i in range(13):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                chars = code_with({i: a}, rng)
                assert normalise_reference(chars[:i] + b + chars[i + 1 :]) == "", (chars, i, b)
                if i < 12:
                    chars = code_with({i: a, i + 1: b}, rng)
                    swapped = chars[:i] + b + a + chars[i + 2 :]
                    assert normalise_reference(swapped) == "", (chars, i)


def test_new_codes_are_13_characters_with_a_valid_check():
    codes = [new_reference() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert NEW.fullmatch(code), code
        assert normalise_reference(code) == code
        assert normalise_reference(code.lower().replace("-", " ")) == code
        assert check_character(ungrouped(code)[:12]) == code[-1]
    # Every ordinary character appears as a check: none of Crockford's * ~ $ = U.
    assert {c[-1] for c in codes} == set(ALPHABET)
    # 12 random characters, less the 5 in 37 drawn again: at least 55 bits.
    assert math.log2(32**12 * 32 / 37) > 59.7


def test_typing_is_forgiving_and_old_codes_still_normalise():
    code = "7K3M-Q9TX-4HRW"  # an old code: no check character
    assert normalise_reference("7k3m q9tx 4hrw") == code
    assert normalise_reference("7K3MQ9TX4HRW") == code
    new = grouped(random_codes(1)[0])
    assert normalise_reference(new.lower().replace("0", "o").replace("1", "l")) == new
    for wrong in ["", "nope", "7K3M-Q9TX-4HR", "7K3M-Q9TX-4HRW-XY", "7K3M-Q9TX-4HRU"]:
        assert normalise_reference(wrong) == ""


# --- Finding a submission by its code ---------------------------------------------------


def store_old_submission(app, reference: str) -> None:
    """A submission as stored before codes had a check character."""
    made = make_submission(app)
    with app.app_context():
        db = store.session()
        new = store.get_submission(made)
        db.add(
            store.Submission(
                reference=reference,
                draft_token=f"old-{reference}",
                answers=new.answers,
                result=new.result,
                kb_version=new.kb_version,
                app_version=new.app_version,
                urgent=new.urgent,
                notices_shown=new.notices_shown,
            )
        )
        db.commit()


def find(client, typed: str):
    """Find as a person would; returns (where it went, the page shown after)."""
    response = client.get("/staff/find", query_string={"reference": typed})
    location = response.headers["Location"]
    return path_of(response), client.get(location).get_data(as_text=True), location


def find_box(html: str) -> str:
    return re.search(r'<form method="get" action="/staff/find".*?</form>', html, re.S).group(0)


def test_find_with_a_typo_says_so_and_keeps_what_was_typed(app, client, staff):
    reference = make_submission(app)
    assert NEW.fullmatch(reference)
    sign_in(client)
    chars = ungrouped(reference)
    changed = chars[:5] + ("X" if chars[5] != "X" else "Y") + chars[6:]
    swapped = next(chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
                   for i in range(12) if chars[i] != chars[i + 1])  # fmt: skip
    check = chars[:12] + ("0" if chars[12] != "0" else "1")
    for typo in [grouped(changed).lower(), grouped(swapped), check, chars[:12], chars + "7"]:
        path, html, location = find(client, typo)
        assert path == "/staff/", typo
        assert parse_qs(urlsplit(location).query)["find"] == ["typo"]
        box = find_box(html)
        assert TYPO in box and UNKNOWN not in html, typo
        assert f'value="{typo}"' in box
        assert 'aria-invalid="true" aria-describedby="reference-error"' in box
        assert 'id="reference-error"' in box
    # The right code still finds it, however it is typed.
    path, _, _ = find(client, reference.lower().replace("-", " "))
    assert path == f"/staff/submissions/{reference}"


def test_find_an_unknown_well_formed_code_says_not_found(app, client, staff):
    make_submission(app)
    sign_in(client)
    unknown = new_reference()
    for typed in [unknown, "ZZZZ-ZZZZ-ZZZZ", "nope"]:
        path, html, _ = find(client, typed)
        assert path == "/staff/"
        box = find_box(html)
        assert UNKNOWN in box and TYPO not in html, typed
        assert f'value="{typed}"' in box
    path, html, _ = find(client, "   ")
    assert "Type a reference code" in find_box(html)
    assert 'value=""' in find_box(html)


def test_what_was_typed_is_escaped(app, client, staff):
    sign_in(client)
    _, html, _ = find(client, '"><script>alert(1)</script>')
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;' in html


def test_old_codes_without_a_check_are_still_found(app, client, staff):
    old = "7K3M-Q9TX-4HRW"
    store_old_submission(app, old)
    sign_in(client)
    path, _, _ = find(client, "7k3m q9tx 4hrw")
    assert path == f"/staff/submissions/{old}"
    for suffix in ["", "/print", "/delete"]:
        page = client.get(f"/staff/submissions/{old}{suffix}")
        assert page.status_code == 200 and old in page.get_data(as_text=True), suffix
    assert client.get(f"/staff/submissions/{old.lower()}").status_code == 200
    assert f"sheet-{old}" in client.get(f"/staff/print.css?r={old}").get_data(as_text=True)
    export = client.get(f"/staff/submissions/{old}/fhir")
    assert export.status_code == 200 and old in export.get_data(as_text=True)
    from fhir.resources.R4B import get_fhir_model_class

    data = json.loads(export.get_data(as_text=True))
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    # One slip from an old code is a typo; far from every code, not found.
    for typo in ["7K3M-Q9TX-4HRV", "K73M-Q9TX-4HRW"]:
        assert TYPO in find_box(find(client, typo)[1]), typo
    assert UNKNOWN in find_box(find(client, "0000-0000-0000")[1])


def test_a_code_with_a_typo_in_the_address_is_not_found(app, client, staff):
    reference = make_submission(app)
    sign_in(client)
    chars = ungrouped(reference)
    typo = grouped(chars[:12] + ("0" if chars[12] != "0" else "1"))
    assert client.get(f"/staff/submissions/{reference}").status_code == 200
    assert client.get(f"/staff/submissions/{typo}").status_code == 404
