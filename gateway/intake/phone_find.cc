/* libphonenumber's PhoneNumberMatcher behind a C function for indicators.c. It must never let
 * a C++ exception cross into C, never write past the caller's array, and never hand the matcher
 * more than a bounded window: its candidates cost tens of microseconds of ICU regex work each,
 * so callers pass only the stretches of text that can hold a number. */
#include "gateway/intake/phone_find.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumberMatch;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

const size_t kMaxText = 4096; /* longest window we search */

/* Upper-cased two-letter region, or "ZZ" (no region: only international numbers parse). */
std::string
region_or_zz(const char *code)
{
    if (code == nullptr || strnlen(code, 3) != 2)
        return "ZZ";
    std::string r;
    for (int i = 0; i < 2; i++) {
        char c = code[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return "ZZ";
        r.push_back(c);
    }
    return r;
}

} // namespace

extern "C" int
sgw_phone_find(const char *text, size_t len, const char *region, int max_tries,
               struct sgw_phone_hit *out, size_t cap)
{
    if (text == nullptr || out == nullptr || len > kMaxText)
        return -1;
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        /* VALID, not POSSIBLE: the number must be valid for its region's metadata and must not
         * touch a Latin letter ("Help08718728876", "ref1234567890"), which keeps order numbers,
         * amounts and reference codes out of the call-back indicators. */
        PhoneNumberMatcher matcher(util, std::string(text, len), region_or_zz(region),
                                   PhoneNumberMatcher::VALID, max_tries > 0 ? max_tries : 1);
        size_t n = 0;
        PhoneNumberMatch m;
        while (n < cap && matcher.HasNext()) {
            matcher.Next(&m);
            std::string e164;
            util.Format(m.number(), PhoneNumberUtil::E164, &e164);
            if (m.start() < 0 || (size_t)m.start() + (size_t)m.length() > len ||
                e164.size() >= sizeof out[n].e164)
                continue;
            out[n].start = (size_t)m.start();
            out[n].end = (size_t)m.start() + (size_t)m.length();
            memcpy(out[n].e164, e164.c_str(), e164.size() + 1);
            n++;
        }
        return (int)n;
    } catch (...) {
        return -1;
    }
}
