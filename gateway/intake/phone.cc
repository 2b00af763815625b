/* The C++ shim behind phone.h: normalises reported numbers to E.164, maps them to an ISO region
 * and geocodes them with libphonenumber's offline data, writing only into caller buffers. It must
 * never let a C++ exception cross into C, never write past outsz (a result that does not fit is an
 * error, not a truncated string), never trust raw input beyond 64 bytes, and never destroy the
 * shared geocoder while other threads may still be using it. */
#include "gateway/intake/phone.h"

#include <cstring>
#include <string>

#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/locid.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberOfflineGeocoder;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

const size_t kMaxRaw = 64;  /* longest raw string sgw_phone_to_e164 looks at */
const size_t kMaxE164 = 16; /* '+' and at most 15 digits (ITU-T E.164) */

/* Returns true and sets *len when s is at most max bytes long, without reading past max + 1. */
bool
bounded_len(const char *s, size_t max, size_t *len)
{
    *len = strnlen(s, max + 1);
    return *len <= max;
}

/* Copies s with its NUL into out; a result that does not fit is an error, never truncated. */
int
copy_out(const std::string &s, char *out, size_t outsz)
{
    if (s.size() >= outsz)
        return -1;
    memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return 0;
}

bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Digits and the punctuation people put in numbers only, with '+' only in front. Letters are
 * refused: libphonenumber would turn "212-555-CALL" into keypad digits, skip leading text such as
 * "call 212..." and take "x12" as an extension, all of which forge a number nobody reported. */
bool
raw_chars_ok(const std::string &s)
{
    bool seen_digit = false;
    bool seen_other = false;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            seen_digit = true;
        } else if (c == '+') {
            if (seen_digit || seen_other)
                return false;
            seen_other = true;
        } else if (c == '(' || c == ')' || c == '-' || c == '.' || c == '/') {
            seen_other = true;
        } else if (!is_blank(c)) {
            return false;
        }
    }
    return seen_digit;
}

/* Offset just past a leading "00" international prefix (after blanks), or 0 if there is none. */
size_t
idd00_end(const std::string &s)
{
    size_t i = 0;
    while (i < s.size() && is_blank(s[i]))
        i++;
    return s.compare(i, 2, "00") == 0 ? i + 2 : 0;
}

/* Upper-cases an ISO 3166-1 alpha-2 code into *region; false if NULL or unknown to the metadata. */
bool
known_region(const char *code, std::string *region)
{
    size_t len;
    if (code == nullptr || !bounded_len(code, 2, &len) || len != 2)
        return false;
    region->clear();
    for (size_t i = 0; i < 2; i++) {
        char c = code[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return false;
        region->push_back(c);
    }
    /* 0 for "ZZ", "XX" and anything else without metadata. */
    return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(*region) != 0;
}

/* Parses s and accepts it when IsPossibleNumberWithReason is IS_POSSIBLE (length fits the
 * country). We do not require IsValidNumber: spam senders spoof unassigned ranges and we still
 * want their reports. IS_POSSIBLE_LOCAL_ONLY ("555-0100") is refused: it has no E.164 form. */
bool
parse_possible(const std::string &s, const std::string &region, PhoneNumber *n)
{
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    if (util->ParseAndKeepRawInput(s, region, n) != PhoneNumberUtil::NO_PARSING_ERROR)
        return false;
    if (n->has_extension())
        return false;
    return util->IsPossibleNumberWithReason(*n) == PhoneNumberUtil::IS_POSSIBLE;
}

/* Strict "+<country code><number>" as produced by sgw_phone_to_e164; anything else is refused. */
bool
parse_e164(const char *e164, PhoneNumber *n)
{
    size_t len;
    if (!bounded_len(e164, kMaxE164, &len) || len < 3 || e164[0] != '+' || e164[1] == '0')
        return false;
    for (size_t i = 1; i < len; i++) {
        if (e164[i] < '0' || e164[i] > '9')
            return false;
    }
    return PhoneNumberUtil::GetInstance()->Parse(std::string(e164, len), "ZZ", n) ==
           PhoneNumberUtil::NO_PARSING_ERROR;
}

/* Two or three lower-case letters (ISO 639), the only language codes we hand to ICU. */
bool
lang_ok(const char *lang)
{
    size_t len;
    if (lang == nullptr || !bounded_len(lang, 3, &len) || len < 2)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (lang[i] < 'a' || lang[i] > 'z')
            return false;
    }
    return true;
}

/* Built once (C++11 static initialisation is thread-safe) and deliberately never destroyed, so a
 * worker still geocoding while exit() runs static destructors cannot touch a dead object. No lock
 * of ours is needed: in 8.12 GetDescriptionForNumber is const and the only mutable state, the
 * lazily loaded per-country prefix maps, is read and filled under the geocoder's own absl::Mutex;
 * the rest is PhoneNumberUtil (a thread-safe singleton) and ICU display names (thread-safe). */
const PhoneNumberOfflineGeocoder &
geocoder()
{
    static const PhoneNumberOfflineGeocoder *const instance = new PhoneNumberOfflineGeocoder();
    return *instance;
}

/* The common case, a number already in international form ("+1 212 555 0100"), without
 * libphonenumber's regex-driven parser, which dominated intake's CPU. Country calling codes
 * are prefix-free, so the first 1-3 digit prefix that names a region is the code. Anything
 * unusual (a national number with a leading zero, as in Italy, or "(0)") goes the slow way.
 * Returns 1 with *e164 set, 0 when not accepted here, -1 when not a possible number. */
int
fast_international(const std::string &s, std::string *e164)
{
    std::string digits;
    size_t i = 0;
    while (i < s.size() && is_blank(s[i]))
        i++;
    if (i >= s.size() || s[i] != '+')
        return 0;
    for (i++; i < s.size(); i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits += c;
        else if (!(is_blank(c) || c == '-' || c == '.'))
            return 0;
    }
    if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0')
        return 0;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    for (size_t cc_len = 1; cc_len <= 3; cc_len++) {
        int cc = std::stoi(digits.substr(0, cc_len));
        std::string region;
        util->GetRegionCodeForCountryCode(cc, &region);
        if (region == "ZZ")
            continue;
        if (digits[cc_len] == '0')
            return 0;
        PhoneNumber n;
        n.set_country_code(cc);
        n.set_national_number(std::stoull(digits.substr(cc_len)));
        if (util->IsPossibleNumberWithReason(n) != PhoneNumberUtil::IS_POSSIBLE)
            return -1;
        *e164 = "+" + digits;
        return 1;
    }
    return -1;
}

} // namespace

extern "C" int
sgw_phone_to_e164(const char *raw, const char *default_region, char *out, size_t outsz)
{
    if (out == nullptr || outsz == 0)
        return -1;
    out[0] = '\0';
    try {
        size_t len;
        if (raw == nullptr || !bounded_len(raw, kMaxRaw, &len))
            return -1;
        const std::string s(raw, len);
        if (!raw_chars_ok(s))
            return -1;

        std::string fast;
        switch (fast_international(s, &fast)) {
        case 1: return copy_out(fast, out, outsz);
        case -1: return -1;
        default: break;
        }

        std::string region;
        const bool have_region = known_region(default_region, &region);
        PhoneNumber n;
        bool ok;
        const size_t idd = idd00_end(s);
        if (idd == 0) {
            /* Without a region only "+..." parses: "ZZ" makes libphonenumber demand one. */
            ok = parse_possible(s, have_region ? region : "ZZ", &n);
        } else {
            /* Trust the region's own reading only if it took "00" as its international prefix
             * (CN, GB, ...); elsewhere (US dials 011) "00" still means "+" to most senders. */
            ok = have_region && parse_possible(s, region, &n) &&
                 n.country_code_source() == PhoneNumber::FROM_NUMBER_WITH_IDD;
            if (!ok) {
                n.Clear();
                ok = parse_possible("+" + s.substr(idd), "ZZ", &n);
            }
        }
        if (!ok)
            return -1;

        std::string e164;
        PhoneNumberUtil::GetInstance()->Format(n, PhoneNumberUtil::E164, &e164);
        return copy_out(e164, out, outsz);
    } catch (...) {
        out[0] = '\0';
        return -1;
    }
}

extern "C" int
sgw_phone_region(const char *e164, char *out, size_t outsz)
{
    if (out == nullptr || outsz == 0)
        return -1;
    out[0] = '\0';
    try {
        PhoneNumber n;
        if (e164 == nullptr || !parse_e164(e164, &n))
            return -1;
        std::string region;
        PhoneNumberUtil::GetInstance()->GetRegionCodeForNumber(n, &region);
        /* "ZZ": no region's metadata claims the number; "001": non-geographic (+800, +882...). */
        if (region.size() != 2 || region == "ZZ")
            return -1;
        return copy_out(region, out, outsz);
    } catch (...) {
        out[0] = '\0';
        return -1;
    }
}

extern "C" int
sgw_phone_geocode(const char *e164, const char *lang, char *out, size_t outsz)
{
    if (out == nullptr || outsz == 0)
        return -1;
    out[0] = '\0';
    try {
        PhoneNumber n;
        if (e164 == nullptr || !lang_ok(lang) || !parse_e164(e164, &n))
            return -1;
        /* Empty for numbers of unknown type, i.e. those failing IsValidNumber. */
        const std::string place = geocoder().GetDescriptionForNumber(n, icu::Locale(lang));
        if (place.empty())
            return -1;
        return copy_out(place, out, outsz);
    } catch (...) {
        out[0] = '\0';
        return -1;
    }
}
