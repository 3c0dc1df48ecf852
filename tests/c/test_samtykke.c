/*
 * The C test suite of libsamtykke.
 *
 *     test_samtykke POLICY.json
 *
 * POLICY.json is the kk.dk example (examples/kk.dk.policy.json). Built with
 * gcc -std=c11 -Wall -Wextra -Wpedantic -Werror and run by scripts/test-c twice:
 * under AddressSanitizer and UBSan, and under valgrind. Prints one line per test
 * and, last, "N passed, N failed"; exits non-zero when a test failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <samtykke.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small harness ------------------------------------------------------ */

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,          \
                    __LINE__, #cond);                                          \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define CHECK_RC(call, want)                                                   \
    do {                                                                       \
        samtykke_result rc_ = (call);                                          \
        if (rc_ != (samtykke_result)(want)) {                                  \
            fprintf(stderr, "  %s:%d: %s\n    returned %u (%s), expected %s\n", \
                    __FILE__, __LINE__, #call, (unsigned)rc_,                  \
                    samtykke_result_message(rc_), #want);                      \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* A string literal as the pointer and length the API takes. */
#define S(lit) (lit), (sizeof(lit) - 1)

/* 2026-03-01T10:00:00Z */
#define T0 INT64_C(1772359200)
#define DAY INT64_C(86400)

static const uint8_t KEY[32] = "the site's secret key, 32 bytes";
static const uint8_t OTHER_KEY[32] = "another site key, also 32 bytes";

static char *policy_json;
static size_t policy_json_len;

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* `text` with the first `from` replaced by `to` (malloc'd, NUL-terminated). */
static char *replaced(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (at == NULL) {
        return NULL;
    }
    size_t head = (size_t)(at - text), tail = strlen(at + strlen(from));
    char *out = malloc(head + strlen(to) + tail + 1);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, text, head);
    memcpy(out + head, to, strlen(to));
    memcpy(out + head + strlen(to), at + strlen(from), tail + 1);
    return out;
}

/* Why a document does not load, as samtykke_policy_explain_error tells it. */
struct load_error {
    uint32_t code;
    char path[128];
    char message[512];
};

static struct load_error explain(const char *json, size_t len) {
    struct load_error e = {.code = 999, .path = "", .message = ""};
    size_t path_len = 0, message_len = 0;
    CHECK_RC(samtykke_policy_explain_error(json, len, &e.code, e.path, sizeof e.path - 1,
                                           &path_len, e.message, sizeof e.message - 1,
                                           &message_len),
             SAMTYKKE_RESULT_OK);
    e.path[path_len < sizeof e.path ? path_len : 0] = '\0';
    e.message[message_len < sizeof e.message ? message_len : 0] = '\0';
    return e;
}

static samtykke_policy *load(const char *json, size_t len) {
    samtykke_policy *p = NULL;
    samtykke_result rc = samtykke_policy_from_json(json, len, &p);
    if (rc != SAMTYKKE_RESULT_OK) {
        struct load_error e = explain(json, len);
        fprintf(stderr, "  policy did not load: %s: %s\n", e.path, e.message);
        return NULL;
    }
    return p;
}

/* The test policy with `"consent_mode": {MEMBERS}` added (SPEC §16), as a
 * document the caller frees; NULL if it could not be made. */
static char *with_consent_mode(const char *members) {
    static const char at[] = "\"schema\": \"samtykke/policy/1\",";
    char mapping[512];
    int n = snprintf(mapping, sizeof mapping, "%s \"consent_mode\": {%s},", at, members);
    if (n < 0 || (size_t)n >= sizeof mapping) {
        return NULL;
    }
    return replaced(policy_json, at, mapping);
}

/* The test policy with that mapping, loaded; NULL (a failed check) if it did not load. */
static samtykke_policy *load_with_consent_mode(const char *members) {
    char *json = with_consent_mode(members);
    CHECK(json != NULL);
    samtykke_policy *p = json == NULL ? NULL : load(json, strlen(json));
    free(json);
    CHECK(p != NULL);
    return p;
}

/* The mask bit of a category, and the set of one provider. */
static uint32_t category(const samtykke_policy *p, const char *id) {
    uint32_t bit = 0;
    CHECK_RC(samtykke_policy_category_bit(p, id, strlen(id), &bit), SAMTYKKE_RESULT_OK);
    return bit;
}

static samtykke_provider_set provider(const samtykke_policy *p, const char *id) {
    samtykke_provider_set set = {{0, 0}};
    CHECK_RC(samtykke_policy_provider_bit(p, id, strlen(id), &set), SAMTYKKE_RESULT_OK);
    return set;
}

/* The Set-Cookie values of a deletion plan, each followed by "\n", into `out`
 * (NUL-terminated); the plan's counts go to `counts`. */
static void plan_headers(const samtykke_policy *p, const samtykke_state *s, const char *host,
                         const char *cookie_header, int64_t now, char *out, size_t cap,
                         samtykke_plan_counts *counts) {
    samtykke_plan *plan = NULL;
    out[0] = '\0';
    CHECK_RC(samtykke_state_deletion_plan(p, s, host, strlen(host), cookie_header,
                                          strlen(cookie_header), now, &plan),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_plan_count(plan, counts), SAMTYKKE_RESULT_OK);
    size_t used = 0;
    for (size_t i = 0; plan != NULL && i < counts->set_cookie; i++) {
        const char *v = NULL;
        size_t vl = 0;
        CHECK_RC(samtykke_plan_set_cookie(plan, i, &v, &vl), SAMTYKKE_RESULT_OK);
        CHECK(v != NULL && strlen(v) == vl);
        if (v != NULL && used + vl + 2 <= cap) {
            memcpy(out + used, v, vl);
            used += vl;
            out[used++] = '\n';
            out[used] = '\0';
        }
    }
    samtykke_plan_free(plan);
}

static samtykke_policy *kk(void) { return load(policy_json, policy_json_len); }

static void new_state(const samtykke_policy *p, uint8_t seed, samtykke_state *s) {
    uint8_t id[SAMTYKKE_CONSENT_ID_LEN];
    for (size_t i = 0; i < sizeof id; i++) {
        id[i] = (uint8_t)(seed + i * 7);
    }
    CHECK_RC(samtykke_state_init(p, id, sizeof id, s), SAMTYKKE_RESULT_OK);
}

/* The answer for `name`, or an answer with why = 999 on error. */
static samtykke_permit permit(const samtykke_policy *p, const samtykke_state *s,
                              const char *name, int64_t now) {
    samtykke_permit out = {.allowed = false, .declared = false, .why = 999,
                           .category = NULL, .category_len = 0};
    CHECK_RC(samtykke_state_permits(p, s, SAMTYKKE_KIND_COOKIE, name, strlen(name),
                                    now, &out),
             SAMTYKKE_RESULT_OK);
    return out;
}

static bool category_is(samtykke_permit pm, const char *id) {
    return pm.category != NULL && pm.category_len == strlen(id) &&
           memcmp(pm.category, id, pm.category_len) == 0;
}

static bool prompt_due(const samtykke_policy *p, const samtykke_state *s, int64_t now) {
    bool due = false;
    CHECK_RC(samtykke_state_prompt_due(p, s, now, &due), SAMTYKKE_RESULT_OK);
    return due;
}

/* A deterministic pseudo-random sequence (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_version_and_messages(void) {
    CHECK(strcmp(samtykke_version(), SAMTYKKE_VERSION) == 0);
    CHECK(SAMTYKKE_VERSION_MAJOR >= 0 && SAMTYKKE_VERSION_MINOR >= 0);
    CHECK(strcmp(samtykke_result_message(SAMTYKKE_RESULT_OK), "success") == 0);
    CHECK(strcmp(samtykke_result_message(SAMTYKKE_RESULT_COOKIE_BAD_SIGNATURE),
                 "the consent cookie's signature does not verify") == 0);
    CHECK(strcmp(samtykke_result_message(12345), "unknown result code") == 0);
    CHECK(strcmp(samtykke_result_message(UINT32_MAX), "unknown result code") == 0);
    for (uint32_t code = 0; code < 600; code++) {
        CHECK(samtykke_result_message(code) != NULL);
    }
    CHECK(sizeof(samtykke_state) == SAMTYKKE_STATE_SIZE);
    CHECK(_Alignof(samtykke_state) == SAMTYKKE_STATE_ALIGN);
    CHECK(sizeof(samtykke_proof) == SAMTYKKE_PROOF_SIZE);
    CHECK(_Alignof(samtykke_proof) == SAMTYKKE_PROOF_ALIGN);
}

static void test_lint_and_consent_cookie(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    size_t count = 0;
    CHECK_RC(samtykke_policy_lint_count(p, &count), SAMTYKKE_RESULT_OK);
    CHECK(count > 0);
    bool nmstat_outlives = false;
    for (size_t i = 0; i < count; i++) {
        samtykke_lint_warning w;
        CHECK_RC(samtykke_policy_lint_warning(p, i, &w), SAMTYKKE_RESULT_OK);
        CHECK(strlen(w.id) == w.id_len && strlen(w.path) == w.path_len &&
              strlen(w.message) == w.message_len);
        if (strcmp(w.id, "outlives-consent") == 0 && strstr(w.message, "nmstat") != NULL) {
            nmstat_outlives = strncmp(w.path, "storage[", 8) == 0;
        }
    }
    CHECK(nmstat_outlives); /* seed 000: nmstat lives 1000 days on 100-day consent */
    samtykke_lint_warning w;
    CHECK_RC(samtykke_policy_lint_warning(p, count, &w), SAMTYKKE_RESULT_INVALID_ARGUMENT);

    samtykke_consent_cookie c;
    CHECK_RC(samtykke_policy_consent_cookie(p, &c), SAMTYKKE_RESULT_OK);
    CHECK(strcmp(c.name, "samtykke") == 0 && c.name_len == 8);
    CHECK(c.domain != NULL && strcmp(c.domain, "kk.dk") == 0 && c.domain_len == 5);
    CHECK(c.max_age == 100 * DAY);

    samtykke_policy_free(p);

    /* What a page shows: the site, the revision and the notice version, each
     * its own field (a revision and notice of 7 and 3, not seed 000's 1 and 1). */
    char *rev = replaced(policy_json, "\"revision\": 1,", "\"revision\": 7,");
    char *json = rev ? replaced(rev, "\"notice_version\": 1,", "\"notice_version\": 3,") : NULL;
    CHECK(json != NULL);
    p = json ? load(json, strlen(json)) : NULL;
    CHECK(p != NULL);
    samtykke_site site;
    CHECK_RC(samtykke_policy_site(p, &site), SAMTYKKE_RESULT_OK);
    CHECK(site.site != NULL && strcmp(site.site, "kk.dk") == 0 && site.site_len == 5);
    CHECK(site.revision == 7 && site.notice_version == 3);
    samtykke_policy_free(p);
    free(json);
    free(rev);
}

/* The notice's words: a JSON object in each language, within the 4096 bytes the
 * header promises; an unknown language is refused. */
static void test_notice_words(void) {
    char buf[4096];
    size_t len = 0;
    CHECK_RC(samtykke_notice_words(SAMTYKKE_LANG_DA, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len > 100 && len < sizeof buf && buf[0] == '{' && buf[len - 1] == '}');
    buf[len - 1] = '\0';
    CHECK(strstr(buf, "\"reject_all\":\"Afvis alle\"") != NULL);
    CHECK_RC(samtykke_notice_words(SAMTYKKE_LANG_EN, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len < sizeof buf);
    buf[len - 1] = '\0';
    CHECK(strstr(buf, "\"accept_all\":\"Accept all\"") != NULL);
    CHECK_RC(samtykke_notice_words(SAMTYKKE_LANG_EN, buf, 10, &len), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(len > 10);
    CHECK_RC(samtykke_notice_words(7, buf, sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_notice_words(SAMTYKKE_LANG_DA, NULL, 10, &len), SAMTYKKE_RESULT_NULL_ARGUMENT);
}

/* The cookie declaration: the library's one rendering, in either language and
 * format, with the usual buffer protocol. */
static void test_declaration(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    size_t need = 0;
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_DA, SAMTYKKE_DECLARATION_FORMAT_MARKDOWN,
                                         NULL, 0, &need),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need > 1000);
    char *md = malloc(need + 1);
    CHECK(md != NULL);
    size_t len = 0;
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_DA, SAMTYKKE_DECLARATION_FORMAT_MARKDOWN,
                                         md, need, &len),
             SAMTYKKE_RESULT_OK);
    CHECK(len == need);
    md[len] = '\0';
    CHECK(strncmp(md, "# Cookiedeklaration", 19) == 0);
    CHECK(strstr(md, "nmstat") != NULL && strstr(md, "1000 dage") != NULL);
    CHECK(strstr(md, "Afvis alle") != NULL); /* how to decline (seed 004) */
    free(md);

    char small[16];
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN, SAMTYKKE_DECLARATION_FORMAT_HTML,
                                         small, sizeof small, &len),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    char *html = malloc(len + 1);
    CHECK(html != NULL);
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN, SAMTYKKE_DECLARATION_FORMAT_HTML,
                                         html, len, &len),
             SAMTYKKE_RESULT_OK);
    html[len] = '\0';
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(html, "<html lang=\"en\">") != NULL && strstr(html, "1000 days") != NULL);
    CHECK(strstr(html, "<style>") != NULL && strstr(html, "name=\"viewport\"") != NULL);

    /* The page's content alone, for a site's own <main>: the page holds it verbatim. */
    size_t frag_len = 0;
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN,
                                         SAMTYKKE_DECLARATION_FORMAT_HTML_FRAGMENT, small,
                                         sizeof small, &frag_len),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(frag_len > 0 && frag_len < len);
    char *frag = malloc(frag_len + 1);
    CHECK(frag != NULL);
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN,
                                         SAMTYKKE_DECLARATION_FORMAT_HTML_FRAGMENT, frag,
                                         frag_len, &frag_len),
             SAMTYKKE_RESULT_OK);
    frag[frag_len] = '\0';
    CHECK(strncmp(frag, "<div class=\"samtykke-declaration\" lang=\"en\">", 44) == 0);
    CHECK(strstr(frag, "<html") == NULL && strstr(frag, "<style") == NULL);
    CHECK(strstr(html, frag) != NULL);
    free(frag);
    free(html);

    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN + 1,
                                         SAMTYKKE_DECLARATION_FORMAT_HTML, small, sizeof small,
                                         &len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_policy_declaration(p, SAMTYKKE_LANG_EN, UINT32_MAX, small, sizeof small,
                                         &len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_policy_declaration(NULL, SAMTYKKE_LANG_EN,
                                         SAMTYKKE_DECLARATION_FORMAT_HTML, small, sizeof small,
                                         &len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);
    samtykke_policy_free(p);
}

/* A whole visit on the kk.dk policy: banner, gestures, a choice, the consent
 * cookie across requests, a filtered response, withdrawal with its deletion
 * headers, and lapse. */
static void test_whole_visit_kk_dk(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 1, &s);

    /* A new visitor: nothing pre-ticked (R1), the banner is due. */
    CHECK(prompt_due(p, &s, T0));
    samtykke_permit pm = permit(p, &s, "nmstat", T0);
    CHECK(!pm.allowed && pm.declared && pm.why == SAMTYKKE_WHY_UNDECIDED);
    CHECK(category_is(pm, "statistics"));
    pm = permit(p, &s, "SESSabc123", T0);
    CHECK(pm.allowed && pm.exempt && category_is(pm, "necessary") && pm.why == 0);
    pm = permit(p, &s, "samtykke", T0); /* the consent cookie itself */
    CHECK(pm.allowed && category_is(pm, "necessary"));
    pm = permit(p, &s, "_ga", T0);
    CHECK(!pm.allowed && !pm.declared && pm.category == NULL && pm.why == 0);

    /* Gestures are never consent (R2). */
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_DISMISS, T0 + 1), SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_SCROLL, T0 + 2), SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_NAVIGATE, T0 + 3), SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_IDLE, T0 + 4), SAMTYKKE_RESULT_OK);
    CHECK(!permit(p, &s, "nmstat", T0 + 5).allowed);
    CHECK(prompt_due(p, &s, T0 + 5));

    /* The visitor saves statistics only (R3), refusing functional. */
    samtykke_proof proof;
    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0 + 10, 1,
                                 SAMTYKKE_CONTROL_TOGGLE, false, &proof),
             SAMTYKKE_RESULT_OK);
    pm = permit(p, &s, "nmstat", T0 + 10);
    CHECK(pm.allowed && !pm.exempt); /* granted, not exempt */
    pm = permit(p, &s, "ad_session_id", T0 + 10);
    CHECK(!pm.allowed && pm.why == SAMTYKKE_WHY_REFUSED && category_is(pm, "functional"));
    CHECK(!pm.undecided); /* a refusal is a decision */
    CHECK(!prompt_due(p, &s, T0 + 10));
    samtykke_permit st;
    CHECK_RC(samtykke_state_category_status(p, &s, S("statistics"), T0 + 10, &st),
             SAMTYKKE_RESULT_OK);
    CHECK(st.allowed && !st.exempt && !st.undecided && category_is(st, "statistics"));
    /* After the consent's 100 days: expired, which is no decision in force. */
    CHECK_RC(samtykke_state_category_status(p, &s, S("statistics"), T0 + 10 + 100 * 86400, &st),
             SAMTYKKE_RESULT_OK);
    CHECK(!st.allowed && st.why == SAMTYKKE_WHY_EXPIRED && st.undecided);
    CHECK_RC(samtykke_state_category_status(p, &s, S("necessary"), T0 + 10, &st),
             SAMTYKKE_RESULT_OK);
    CHECK(st.allowed && st.exempt);

    char line[1024];
    size_t n = 0;
    CHECK_RC(samtykke_proof_to_json(p, &proof, line, sizeof line, &n), SAMTYKKE_RESULT_OK);
    CHECK(n > 0 && n < sizeof line);
    line[n] = '\0';
    CHECK(strstr(line, "\"action\":\"save\"") != NULL);
    CHECK(strstr(line, "\"control\":\"toggle\"") != NULL);
    CHECK(strstr(line, "\"statistics\":\"granted\"") != NULL);
    CHECK(strstr(line, "\"functional\":\"refused\"") != NULL);
    CHECK(strstr(line, "\"site\":\"kk.dk\"") != NULL);
    CHECK(strstr(line, "\"ts\":\"2026-03-01T10:00:10Z\"") != NULL);

    /* The state travels in the consent cookie, signed; the next request reads
     * it back from its raw Cookie header. */
    char cookie[SAMTYKKE_COOKIE_MAX_LEN];
    size_t cookie_len = 0;
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, sizeof KEY, cookie, sizeof cookie, &cookie_len),
             SAMTYKKE_RESULT_OK);
    CHECK(cookie_len > 3 && cookie_len <= 120 && memcmp(cookie, "v1.", 3) == 0);
    char header[512];
    int hn = snprintf(header, sizeof header, "SESSabc123=x; samtykke=%.*s; nmstat=1",
                      (int)cookie_len, cookie);
    CHECK(hn > 0 && (size_t)hn < sizeof header);
    char value[SAMTYKKE_COOKIE_MAX_LEN];
    size_t value_len = 0;
    bool found = false;
    CHECK_RC(samtykke_cookie_header_get(header, (size_t)hn, S("samtykke"), value, sizeof value,
                                        &value_len, &found),
             SAMTYKKE_RESULT_OK);
    CHECK(found && value_len == cookie_len && memcmp(value, cookie, cookie_len) == 0);
    samtykke_state back;
    CHECK_RC(samtykke_state_from_cookie(p, value, value_len, KEY, sizeof KEY, &back),
             SAMTYKKE_RESULT_OK);
    CHECK(memcmp(&back, &s, sizeof s) == 0);
    /* A key under 32 bytes, the empty one too, is refused for signing and
       verifying alike: anyone could forge what it signs. */
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 31, cookie, sizeof cookie, &cookie_len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_state_to_cookie(p, &s, (const uint8_t *)"", 0, cookie, sizeof cookie, &cookie_len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_state_from_cookie(p, value, value_len, KEY, 31, &back), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_state_from_cookie(p, value, value_len, OTHER_KEY, sizeof OTHER_KEY, &back),
             SAMTYKKE_RESULT_COOKIE_BAD_SIGNATURE);
    CHECK_RC(samtykke_state_from_cookie(p, value, value_len, NULL, 0, &back), SAMTYKKE_RESULT_OK);
    CHECK(memcmp(&back, &s, sizeof s) == 0);
    char unsigned_cookie[SAMTYKKE_COOKIE_MAX_LEN];
    size_t unsigned_len = 0;
    CHECK_RC(samtykke_state_to_cookie(p, &s, NULL, 0, unsigned_cookie, sizeof unsigned_cookie,
                                      &unsigned_len),
             SAMTYKKE_RESULT_OK);
    CHECK(unsigned_len < cookie_len);
    CHECK_RC(samtykke_state_from_cookie(p, unsigned_cookie, unsigned_len, KEY, sizeof KEY, &back),
             SAMTYKKE_RESULT_COOKIE_UNSIGNED);

    /* The page's response: only what the state permits passes; deletions always. */
    const char *response = "nmstat=abc; Max-Age=86400; Path=/\r\n"
                           "ad_session_id=1; Path=/\n"
                           "\n"
                           "SESSabc123=s; HttpOnly\n"
                           "_ga=GA1.2; Max-Age=63072000\n"
                           "JSESSIONID=; Max-Age=0\n"
                           "=broken";
    char kept[512];
    size_t kept_len = 0;
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, response, strlen(response), T0 + 11, kept,
                                              sizeof kept, &kept_len),
             SAMTYKKE_RESULT_OK);
    CHECK(kept_len < sizeof kept);
    kept[kept_len] = '\0';
    CHECK(strcmp(kept, "nmstat=abc; Max-Age=86400; Path=/\n"
                       "SESSabc123=s; HttpOnly\n"
                       "JSESSIONID=; Max-Age=0\n") == 0);
    /* And what it withheld, and why, by each value's place among the lines
     * (the empty one not counted). */
    size_t ndropped = 99;
    CHECK_RC(samtykke_state_filter_set_cookie_dropped(p, &s, response, strlen(response), T0 + 11,
                                                      NULL, 0, &ndropped),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(ndropped == 3);
    samtykke_dropped dropped[3];
    CHECK_RC(samtykke_state_filter_set_cookie_dropped(p, &s, response, strlen(response), T0 + 11,
                                                      dropped, 3, &ndropped),
             SAMTYKKE_RESULT_OK);
    CHECK(ndropped == 3);
    /* ad_session_id: functional, refused by the save. */
    CHECK(dropped[0].index == 1 && !dropped[0].undeclared && !dropped[0].unparsable);
    CHECK(dropped[0].why == SAMTYKKE_WHY_REFUSED && dropped[0].category_len == 10 &&
          memcmp(dropped[0].category, "functional", 10) == 0);
    /* _ga: no declaration covers it. */
    CHECK(dropped[1].index == 3 && dropped[1].undeclared && !dropped[1].unparsable);
    CHECK(dropped[1].why == 0 && dropped[1].category == NULL && dropped[1].category_len == 0);
    /* "=broken": no name. */
    CHECK(dropped[2].index == 5 && dropped[2].unparsable && !dropped[2].undeclared);
    CHECK(dropped[2].why == 0 && dropped[2].category == NULL);
    CHECK_RC(samtykke_state_filter_set_cookie_dropped(p, &s, response, strlen(response), T0 + 11,
                                                      dropped, 2, &ndropped),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(ndropped == 3);
    CHECK_RC(samtykke_state_filter_set_cookie_dropped(p, &s, response, strlen(response), T0 + 11,
                                                      NULL, 1, &ndropped),
             SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_filter_set_cookie_dropped(p, &s, response, strlen(response), T0 + 11,
                                                      dropped, 3, NULL),
             SAMTYKKE_RESULT_NULL_ARGUMENT);

    /* Nothing to delete yet. */
    char del[2048];
    samtykke_plan_counts counts;
    plan_headers(p, &s, "www.kk.dk", "nmstat=1; SESSabc123=x", T0 + 12, del, sizeof del, &counts);
    CHECK(counts.set_cookie == 0 && counts.storage_keys == 0 && counts.undeletable == 0);

    /* Withdrawal (R11, R12): statistics stop, and nmstat is deleted on every
     * domain the host reaches. */
    bool recorded = false;
    CHECK_RC(samtykke_state_withdraw(p, &s, category(p, "statistics"), T0 + DAY, 1,
                                     SAMTYKKE_CONTROL_LINK, false, &proof, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(recorded);
    pm = permit(p, &s, "nmstat", T0 + DAY);
    CHECK(!pm.allowed && pm.why == SAMTYKKE_WHY_WITHDRAWN);
    CHECK(!prompt_due(p, &s, T0 + DAY)); /* a refusal in force: no re-asking (R15) */
    plan_headers(p, &s, "www.kk.dk:443", "nmstat=1; SESSabc123=x; _ga=1", T0 + DAY, del,
                 sizeof del, &counts);
    CHECK(counts.set_cookie == 3 && counts.storage_keys == 0 && counts.undeletable == 0);
    CHECK(strcmp(del,
                 "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/\n"
                 "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; "
                 "Domain=www.kk.dk\n"
                 "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; "
                 "Domain=kk.dk\n") == 0);
    CHECK_RC(samtykke_proof_to_json(p, &proof, line, sizeof line, &n), SAMTYKKE_RESULT_OK);
    line[n] = '\0';
    CHECK(strstr(line, "\"action\":\"withdraw\"") != NULL);
    CHECK(strstr(line, "\"decisions\":{\"statistics\":\"refused\"}") != NULL);

    /* Lapse (R16): 100 days after the choice, the prompt is due again. */
    CHECK(prompt_due(p, &s, T0 + 101 * DAY));
    pm = permit(p, &s, "JSESSIONID", T0 + 101 * DAY);
    CHECK(!pm.allowed && pm.why == SAMTYKKE_WHY_EXPIRED);

    /* Accept all, withdraw all, reject all. */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0 + 102 * DAY, 1, SAMTYKKE_CONTROL_BUTTON, false,
                                       NULL),
             SAMTYKKE_RESULT_OK);
    CHECK(permit(p, &s, "JSESSIONID", T0 + 102 * DAY).allowed);
    CHECK_RC(samtykke_state_withdraw_all(p, &s, T0 + 103 * DAY, 1, SAMTYKKE_CONTROL_ICON, false,
                                         &proof, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(recorded);
    /* A withdrawal that names no consent category records nothing, and says so;
     * the state and the proof are left as they were (SPEC §4). */
    samtykke_state before = s;
    samtykke_proof untouched;
    memset(&untouched, 0xA5, sizeof untouched);
    samtykke_proof as_it_was = untouched;
    CHECK_RC(samtykke_state_withdraw(p, &s, category(p, "necessary"), T0 + 103 * DAY + 1, 1,
                                     SAMTYKKE_CONTROL_LINK, false, &untouched, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(!recorded);
    CHECK(memcmp(&untouched, &as_it_was, sizeof as_it_was) == 0);
    CHECK(memcmp(&before, &s, sizeof s) == 0);
    CHECK_RC(samtykke_state_withdraw(p, &s, 0, T0 + 103 * DAY + 1, 1, SAMTYKKE_CONTROL_LINK, false,
                                     NULL, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(!recorded);
    CHECK(!permit(p, &s, "JSESSIONID", T0 + 103 * DAY).allowed);
    CHECK(!permit(p, &s, "nmstat", T0 + 103 * DAY).allowed);
    CHECK(permit(p, &s, "SESSx", T0 + 103 * DAY).allowed); /* necessary stays (R4) */
    CHECK_RC(samtykke_state_reject_all(p, &s, T0 + 104 * DAY, 1, SAMTYKKE_CONTROL_BUTTON, false,
                                       &proof),
             SAMTYKKE_RESULT_OK);
    pm = permit(p, &s, "nmstat", T0 + 104 * DAY);
    CHECK(!pm.allowed && pm.why == SAMTYKKE_WHY_REFUSED);
    CHECK(!prompt_due(p, &s, T0 + 104 * DAY)); /* the refusal is stored (R14) */

    /* The kk.dk policy names no GPC categories: a signal refuses nothing. */
    recorded = true;
    CHECK_RC(samtykke_state_signal_gpc(p, &s, T0 + 105 * DAY, &proof, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(!recorded);
    samtykke_policy_free(p);
}

static void test_gpc_signal_refuses_and_never_grants(void) {
    char *json = replaced(policy_json, "\"consent_ttl_days\": 100,",
                          "\"consent_ttl_days\": 100, \"gpc_refuses\": [\"statistics\"],");
    CHECK(json != NULL);
    samtykke_policy *p = load(json, strlen(json));
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 2, &s);
    samtykke_proof proof;
    bool recorded = false;
    CHECK_RC(samtykke_state_signal_gpc(p, &s, T0, &proof, &recorded), SAMTYKKE_RESULT_OK);
    CHECK(recorded);
    samtykke_permit pm = permit(p, &s, "nmstat", T0);
    CHECK(!pm.allowed && pm.why == SAMTYKKE_WHY_SIGNAL);
    char line[1024];
    size_t n = 0;
    CHECK_RC(samtykke_proof_to_json(p, &proof, line, sizeof line, &n), SAMTYKKE_RESULT_OK);
    line[n] = '\0';
    CHECK(strstr(line, "\"action\":\"signal_gpc\"") != NULL && strstr(line, "\"gpc\":true"));
    /* A grant made with the signal present stands against later signals (R22). */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0 + 1, 1, SAMTYKKE_CONTROL_BUTTON, true, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_signal_gpc(p, &s, T0 + 2, NULL, &recorded), SAMTYKKE_RESULT_OK);
    CHECK(!recorded && permit(p, &s, "nmstat", T0 + 2).allowed);
    /* One made without it does not. */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0 + 3, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_signal_gpc(p, &s, T0 + 4, NULL, &recorded), SAMTYKKE_RESULT_OK);
    CHECK(recorded && !permit(p, &s, "nmstat", T0 + 4).allowed);
    CHECK(permit(p, &s, "JSESSIONID", T0 + 4).allowed);

    /* States and proofs of one policy are not another's. */
    samtykke_policy *other = kk();
    samtykke_permit out;
    CHECK_RC(samtykke_state_permits(other, &s, SAMTYKKE_KIND_COOKIE, S("nmstat"), T0, &out),
             SAMTYKKE_RESULT_STATE_POLICY_MISMATCH);
    CHECK_RC(samtykke_proof_to_json(other, &proof, line, sizeof line, &n),
             SAMTYKKE_RESULT_STATE_POLICY_MISMATCH);
    samtykke_policy_free(other);
    samtykke_policy_free(p);
    free(json);
}

/* The deletion plan names all three things SPEC §6 asks for: Set-Cookie headers
 * on every domain the host reaches, the storage keys for the page script, and
 * the cookies this host cannot delete, with why. The kk.dk policy with a
 * localStorage key and AWSELBCORS declared on Siteimprove's domain. */
static void test_deletion_plan_headers_storage_keys_and_undeletable(void) {
    char *with_key = replaced(
        policy_json, "\"storage\": [",
        "\"storage\": [{\"name\": \"siteimprove_*\", \"kind\": \"local_storage\", "
        "\"provider\": \"siteimprove\", \"category\": \"statistics\", "
        "\"purpose\": {\"en\": \"Statistics\", \"da\": \"Statistik\"}, \"duration\": \"session\"},");
    char *json = with_key ? replaced(with_key, "\"name\": \"AWSELBCORS\",",
                                     "\"name\": \"AWSELBCORS\", \"domain\": \"siteimprove.com\",")
                          : NULL;
    CHECK(json != NULL);
    samtykke_policy *p = json ? load(json, strlen(json)) : NULL;
    CHECK(p != NULL);
    if (p == NULL) {
        free(with_key);
        free(json);
        return;
    }
    samtykke_state s;
    new_state(p, 9, &s);
    CHECK_RC(samtykke_state_accept_all(p, &s, T0, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL),
             SAMTYKKE_RESULT_OK);
    const char *cookies = "nmstat=1; AWSELBCORS=2; SESSabc=3; JSESSIONID=4";

    /* While everything is granted, nothing must go. */
    samtykke_plan *plan = NULL;
    samtykke_plan_counts counts = {9, 9, 9};
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("www.kk.dk"), cookies, strlen(cookies), T0 + 1,
                                          &plan),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_plan_count(plan, &counts), SAMTYKKE_RESULT_OK);
    CHECK(counts.set_cookie == 0 && counts.storage_keys == 0 && counts.undeletable == 0);
    samtykke_plan_free(plan);

    /* Statistics withdrawn: nmstat goes on three domains, the localStorage key
     * is listed, AWSELBCORS is reported; functional's JSESSIONID stays. */
    CHECK_RC(samtykke_state_withdraw(p, &s, category(p, "statistics"), T0 + DAY, 1,
                                     SAMTYKKE_CONTROL_LINK, false, NULL, NULL),
             SAMTYKKE_RESULT_OK);
    plan = NULL;
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("WWW.kk.dk:8443"), cookies, strlen(cookies),
                                          T0 + DAY, &plan),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_plan_count(plan, &counts), SAMTYKKE_RESULT_OK);
    CHECK(counts.set_cookie == 3 && counts.storage_keys == 1 && counts.undeletable == 1);
    static const char *const want[] = {
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=www.kk.dk",
        "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=kk.dk",
    };
    for (size_t i = 0; i < counts.set_cookie && i < 3; i++) {
        const char *v = NULL;
        size_t vl = 0;
        CHECK_RC(samtykke_plan_set_cookie(plan, i, &v, &vl), SAMTYKKE_RESULT_OK);
        CHECK(v != NULL && vl == strlen(want[i]) && strcmp(v, want[i]) == 0);
    }
    samtykke_storage_key key;
    CHECK_RC(samtykke_plan_storage_key(plan, 0, &key), SAMTYKKE_RESULT_OK);
    CHECK(key.kind == SAMTYKKE_KIND_LOCAL_STORAGE);
    CHECK(key.key_len == strlen("siteimprove_*") && strcmp(key.key, "siteimprove_*") == 0);
    samtykke_undeletable u;
    CHECK_RC(samtykke_plan_undeletable(plan, 0, &u), SAMTYKKE_RESULT_OK);
    CHECK(strcmp(u.name, "AWSELBCORS") == 0 && u.name_len == 10);
    CHECK(strcmp(u.category, "statistics") == 0 && u.category_len == 10);
    CHECK(strcmp(u.domain, "siteimprove.com") == 0 && u.domain_len == 15);
    CHECK(strcmp(u.reason, "outside-reach") == 0 && u.reason_len == 13);

    /* Past the end is an error, and the outputs stay as they were. */
    const char *v = "untouched";
    size_t vl = 42;
    CHECK_RC(samtykke_plan_set_cookie(plan, 3, &v, &vl), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK(vl == 42 && strcmp(v, "untouched") == 0);
    CHECK_RC(samtykke_plan_storage_key(plan, 1, &key), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_plan_undeletable(plan, 1, &u), SAMTYKKE_RESULT_INVALID_ARGUMENT);

    /* The plan owns its texts: they outlive the policy. */
    samtykke_policy_free(p);
    CHECK(strcmp(u.reason, "outside-reach") == 0 && strcmp(key.key, "siteimprove_*") == 0);
    samtykke_plan_free(plan);

    /* A Cookie header with a control character is refused, not misread. */
    p = load(json, strlen(json));
    plan = NULL;
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("kk.dk"), S("a=1;\x01 nmstat=2"), T0, &plan),
             SAMTYKKE_RESULT_HEADER_INVALID);
    CHECK(plan == NULL);
    samtykke_policy_free(p);
    free(with_key);
    free(json);
}

/* NULL for every pointer argument of every function. */
static void test_null_arguments(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 3, &s);
    samtykke_proof proof;
    CHECK_RC(samtykke_state_reject_all(p, &s, T0, 1, 0, false, &proof), SAMTYKKE_RESULT_OK);
    const uint8_t id[16] = {0};
    char buf[1024];
    size_t n = 0;
    bool flag = false;
    samtykke_permit pm;
    samtykke_lint_warning w;
    samtykke_consent_cookie cc;
    samtykke_policy *out = NULL;
    samtykke_plan *plan = NULL;
    samtykke_plan_counts counts;
    samtykke_storage_key key;
    samtykke_undeletable und;
    const char *text = NULL;
    uint32_t code = 0, bit = 0;
    samtykke_provider_set set;
    const int NUL = SAMTYKKE_RESULT_NULL_ARGUMENT;

    samtykke_policy_free(NULL);
    CHECK(samtykke_result_message(SAMTYKKE_RESULT_NULL_ARGUMENT) != NULL);

    CHECK_RC(samtykke_policy_from_json(NULL, 0, &out), NUL);
    CHECK_RC(samtykke_policy_from_json(NULL, 10, &out), NUL);
    CHECK_RC(samtykke_policy_from_json(policy_json, policy_json_len, NULL), NUL);
    CHECK(out == NULL);
    CHECK_RC(samtykke_policy_from_json(S("{"), &out), SAMTYKKE_RESULT_POLICY_MALFORMED_JSON);
    CHECK(out == NULL);
    size_t m = 0;
    char msg[256];
    CHECK_RC(samtykke_policy_explain_error(NULL, 0, &code, buf, 64, &n, msg, 64, &m), NUL);
    CHECK_RC(samtykke_policy_explain_error(S("{"), NULL, buf, 64, &n, msg, 64, &m), NUL);
    CHECK_RC(samtykke_policy_explain_error(S("{"), &code, NULL, 64, &n, msg, 64, &m), NUL);
    CHECK_RC(samtykke_policy_explain_error(S("{"), &code, buf, 64, NULL, msg, 64, &m), NUL);
    CHECK_RC(samtykke_policy_explain_error(S("{"), &code, buf, 64, &n, NULL, 64, &m), NUL);
    CHECK_RC(samtykke_policy_explain_error(S("{"), &code, buf, 64, &n, msg, 64, NULL), NUL);
    CHECK_RC(samtykke_policy_category_bit(NULL, S("statistics"), &bit), NUL);
    CHECK_RC(samtykke_policy_category_bit(p, NULL, 0, &bit), NUL);
    CHECK_RC(samtykke_policy_category_bit(p, S("statistics"), NULL), NUL);
    CHECK_RC(samtykke_policy_provider_bit(NULL, S("kk"), &set), NUL);
    CHECK_RC(samtykke_policy_provider_bit(p, NULL, 0, &set), NUL);
    CHECK_RC(samtykke_policy_provider_bit(p, S("kk"), NULL), NUL);

    CHECK_RC(samtykke_policy_lint_count(NULL, &n), NUL);
    CHECK_RC(samtykke_policy_lint_count(p, NULL), NUL);
    CHECK_RC(samtykke_policy_lint_warning(NULL, 0, &w), NUL);
    CHECK_RC(samtykke_policy_lint_warning(p, 0, NULL), NUL);
    CHECK_RC(samtykke_policy_consent_cookie(NULL, &cc), NUL);
    CHECK_RC(samtykke_policy_consent_cookie(p, NULL), NUL);
    samtykke_site site;
    CHECK_RC(samtykke_policy_site(NULL, &site), NUL);
    CHECK_RC(samtykke_policy_site(p, NULL), NUL);

    samtykke_state t;
    CHECK_RC(samtykke_state_init(NULL, id, 16, &t), NUL);
    CHECK_RC(samtykke_state_init(p, NULL, 16, &t), NUL);
    CHECK_RC(samtykke_state_init(p, id, 16, NULL), NUL);

    CHECK_RC(samtykke_state_accept_all(NULL, &s, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_accept_all(p, NULL, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_reject_all(NULL, &s, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_reject_all(p, NULL, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_save(NULL, &s, 0, NULL, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_save(p, NULL, 0, NULL, T0, 1, 0, false, &proof), NUL);
    CHECK_RC(samtykke_state_withdraw(NULL, &s, 0, T0, 1, 0, false, &proof, NULL), NUL);
    CHECK_RC(samtykke_state_withdraw(p, NULL, 0, T0, 1, 0, false, &proof, NULL), NUL);
    CHECK_RC(samtykke_state_withdraw_all(NULL, &s, T0, 1, 0, false, &proof, NULL), NUL);
    CHECK_RC(samtykke_state_withdraw_all(p, NULL, T0, 1, 0, false, &proof, NULL), NUL);
    CHECK_RC(samtykke_state_signal_gpc(NULL, &s, T0, &proof, &flag), NUL);
    CHECK_RC(samtykke_state_signal_gpc(p, NULL, T0, &proof, &flag), NUL);
    CHECK_RC(samtykke_state_signal_gpc(p, &s, T0, &proof, NULL), NUL);
    CHECK_RC(samtykke_state_gesture(NULL, &s, SAMTYKKE_ACTION_DISMISS, T0), NUL);
    CHECK_RC(samtykke_state_gesture(p, NULL, SAMTYKKE_ACTION_DISMISS, T0), NUL);
    /* proof_out is optional. */
    CHECK_RC(samtykke_state_reject_all(p, &s, T0, 1, 0, false, NULL), SAMTYKKE_RESULT_OK);

    CHECK_RC(samtykke_state_permits(NULL, &s, 0, S("nmstat"), T0, &pm), NUL);
    CHECK_RC(samtykke_state_permits(p, NULL, 0, S("nmstat"), T0, &pm), NUL);
    CHECK_RC(samtykke_state_permits(p, &s, 0, NULL, 0, T0, &pm), NUL);
    CHECK_RC(samtykke_state_permits(p, &s, 0, S("nmstat"), T0, NULL), NUL);
    CHECK_RC(samtykke_state_category_status(NULL, &s, S("statistics"), T0, &pm), NUL);
    CHECK_RC(samtykke_state_category_status(p, NULL, S("statistics"), T0, &pm), NUL);
    CHECK_RC(samtykke_state_category_status(p, &s, NULL, 0, T0, &pm), NUL);
    CHECK_RC(samtykke_state_category_status(p, &s, S("statistics"), T0, NULL), NUL);
    CHECK_RC(samtykke_state_prompt_due(NULL, &s, T0, &flag), NUL);
    CHECK_RC(samtykke_state_prompt_due(p, NULL, T0, &flag), NUL);
    CHECK_RC(samtykke_state_prompt_due(p, &s, T0, NULL), NUL);

    CHECK_RC(samtykke_proof_to_json(NULL, &proof, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_proof_to_json(p, NULL, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_proof_to_json(p, &proof, NULL, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_proof_to_json(p, &proof, buf, sizeof buf, NULL), NUL);

    CHECK_RC(samtykke_cookie_header_get(NULL, 0, S("a"), buf, sizeof buf, &n, &flag), NUL);
    CHECK_RC(samtykke_cookie_header_get(S("a=1"), NULL, 0, buf, sizeof buf, &n, &flag), NUL);
    CHECK_RC(samtykke_cookie_header_get(S("a=1"), S("a"), NULL, sizeof buf, &n, &flag), NUL);
    CHECK_RC(samtykke_cookie_header_get(S("a=1"), S("a"), buf, sizeof buf, NULL, &flag), NUL);
    CHECK_RC(samtykke_cookie_header_get(S("a=1"), S("a"), buf, sizeof buf, &n, NULL), NUL);

    CHECK_RC(samtykke_state_to_cookie(NULL, &s, KEY, 32, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_to_cookie(p, NULL, KEY, 32, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_to_cookie(p, &s, NULL, 32, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, NULL, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, buf, sizeof buf, NULL), NUL);
    CHECK_RC(samtykke_state_from_cookie(NULL, S("v1.AA"), KEY, 32, &t), NUL);
    CHECK_RC(samtykke_state_from_cookie(p, NULL, 0, KEY, 32, &t), NUL);
    CHECK_RC(samtykke_state_from_cookie(p, S("v1.AA"), NULL, 32, &t), NUL);
    CHECK_RC(samtykke_state_from_cookie(p, S("v1.AA"), KEY, 32, NULL), NUL);
    {
        const uint8_t *keys[1] = {KEY}, *no_key[1] = {NULL};
        const size_t lens[1] = {32};
        size_t index = 0;
        bool found = true;
        CHECK_RC(samtykke_state_from_cookie_header(NULL, S("a=1"), keys, lens, 1, &t, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, NULL, 0, keys, lens, 1, &t, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), NULL, lens, 1, &t, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), keys, NULL, 1, &t, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), no_key, lens, 1, &t, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), keys, lens, 1, NULL, &index, &found), NUL);
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), keys, lens, 1, &t, &index, NULL), NUL);
        /* No keys: NULL arrays of length 0; the key index is optional. */
        CHECK_RC(samtykke_state_from_cookie_header(p, S("a=1"), NULL, NULL, 0, &t, NULL, &found),
                 SAMTYKKE_RESULT_OK);
        CHECK(!found);
    }
    {
        /* A request without the header: NULL with length 0, no signal, no language. */
        bool signal = true, found = true;
        uint32_t lang = 99;
        CHECK_RC(samtykke_gpc_signal(NULL, 0, &signal), SAMTYKKE_RESULT_OK);
        CHECK(!signal);
        CHECK_RC(samtykke_gpc_signal(NULL, 1, &signal), NUL);
        CHECK_RC(samtykke_gpc_signal(S("1"), NULL), NUL);
        CHECK_RC(samtykke_request_lang(NULL, 0, NULL, 0, &lang, &found), SAMTYKKE_RESULT_OK);
        CHECK(!found && lang == 99);
        CHECK_RC(samtykke_request_lang(NULL, 3, S("da"), &lang, &found), NUL);
        CHECK_RC(samtykke_request_lang(S("lang=en"), NULL, 2, &lang, &found), NUL);
        CHECK_RC(samtykke_request_lang(S("lang=en"), S("da"), NULL, &found), NUL);
        CHECK_RC(samtykke_request_lang(S("lang=en"), S("da"), &lang, NULL), NUL);
        CHECK_RC(samtykke_request_lang(S("lang=en"), S("da"), &lang, &found), SAMTYKKE_RESULT_OK);
        CHECK(found && lang == SAMTYKKE_LANG_EN);
        bool same = false;
        CHECK_RC(samtykke_same_origin(S("kk.dk"), NULL, 0, NULL, 0, &same), SAMTYKKE_RESULT_OK);
        CHECK(same);
        CHECK_RC(samtykke_same_origin(NULL, 0, NULL, 0, NULL, 0, &same), NUL);
        CHECK_RC(samtykke_same_origin(S("kk.dk"), NULL, 5, NULL, 0, &same), NUL);
        CHECK_RC(samtykke_same_origin(S("kk.dk"), NULL, 0, NULL, 9, &same), NUL);
        CHECK_RC(samtykke_same_origin(S("kk.dk"), S("https://kk.dk"), NULL, 0, NULL), NUL);
        /* A header sent empty is a header: not the site. */
        CHECK_RC(samtykke_same_origin(S("kk.dk"), S(""), NULL, 0, &same), SAMTYKKE_RESULT_OK);
        CHECK(!same);
        char form[256];
        size_t form_len = 0;
#define FORM_TYPE S("application/x-www-form-urlencoded")
        CHECK_RC(samtykke_decision_form(NULL, FORM_TYPE, S("action=accept_all"), S("action"), form,
                                        sizeof form, &form_len),
                 NUL);
        CHECK_RC(samtykke_decision_form(p, FORM_TYPE, NULL, 0, S("action"), form, sizeof form,
                                        &form_len),
                 NUL);
        CHECK_RC(samtykke_decision_form(p, FORM_TYPE, S("action=accept_all"), NULL, 0, form,
                                        sizeof form, &form_len),
                 NUL);
        CHECK_RC(samtykke_decision_form(p, FORM_TYPE, S("action=accept_all"), S("action"), NULL, 8,
                                        &form_len),
                 NUL);
        CHECK_RC(samtykke_decision_form(p, NULL, 5, S("action=accept_all"), S("action"), form,
                                        sizeof form, &form_len),
                 NUL);
        /* A fault writes nothing; the explanation says the field, the status and why. */
        form_len = 99;
        CHECK_RC(samtykke_decision_form(p, FORM_TYPE, S("action=accept_all&notice=0"), S("action"),
                                        form, sizeof form, &form_len),
                 SAMTYKKE_RESULT_FORM_INVALID);
        CHECK(form_len == 99);
        CHECK_RC(samtykke_decision_form_explain(p, FORM_TYPE, S("action=accept_all&notice=0"),
                                                S("action"), form, sizeof form, &form_len),
                 SAMTYKKE_RESULT_OK);
        CHECK(form_len > 20 && memcmp(form, "{\"field\":\"notice\",\"status\":400,", 31) == 0);
        /* No Content-Type: not a form, a 415, whatever the body says. */
        CHECK_RC(samtykke_decision_form(p, NULL, 0, S("action=accept_all"), S("action"), form,
                                        sizeof form, &form_len),
                 SAMTYKKE_RESULT_FORM_INVALID);
        CHECK_RC(samtykke_decision_form_explain(p, NULL, 0, S("action=accept_all"), S("action"),
                                                form, sizeof form, &form_len),
                 SAMTYKKE_RESULT_OK);
        CHECK(form_len > 20 &&
              memcmp(form, "{\"field\":\"Content-Type\",\"status\":415,", 37) == 0);
        CHECK_RC(samtykke_decision_form_explain(p, FORM_TYPE, S("action=accept_all"), S("action"),
                                                form, sizeof form, &form_len),
                 SAMTYKKE_RESULT_OK);
        CHECK(form_len == 0);
        CHECK_RC(samtykke_decision_form_explain(NULL, FORM_TYPE, S("action=x"), S("action"), form,
                                                sizeof form, &form_len),
                 NUL);
        CHECK_RC(samtykke_decision_form(p, FORM_TYPE, S("action=accept_all"), S("action"), form, 4,
                                        &form_len),
                 SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
        CHECK(form_len > 4);
#undef FORM_TYPE
    }

    CHECK_RC(samtykke_state_deletion_plan(NULL, &s, S("kk.dk"), S(""), T0, &plan), NUL);
    CHECK_RC(samtykke_state_deletion_plan(p, NULL, S("kk.dk"), S(""), T0, &plan), NUL);
    CHECK_RC(samtykke_state_deletion_plan(p, &s, NULL, 0, S(""), T0, &plan), NUL);
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("kk.dk"), NULL, 0, T0, &plan), NUL);
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("kk.dk"), S(""), T0, NULL), NUL);
    CHECK(plan == NULL);
    CHECK_RC(samtykke_state_deletion_plan(p, &s, S("kk.dk"), S(""), T0, &plan),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_plan_count(NULL, &counts), NUL);
    CHECK_RC(samtykke_plan_count(plan, NULL), NUL);
    CHECK_RC(samtykke_plan_set_cookie(NULL, 0, &text, &n), NUL);
    CHECK_RC(samtykke_plan_set_cookie(plan, 0, NULL, &n), NUL);
    CHECK_RC(samtykke_plan_set_cookie(plan, 0, &text, NULL), NUL);
    CHECK_RC(samtykke_plan_storage_key(NULL, 0, &key), NUL);
    CHECK_RC(samtykke_plan_storage_key(plan, 0, NULL), NUL);
    CHECK_RC(samtykke_plan_undeletable(NULL, 0, &und), NUL);
    CHECK_RC(samtykke_plan_undeletable(plan, 0, NULL), NUL);
    samtykke_plan_free(plan);
    samtykke_plan_free(NULL);
    CHECK_RC(samtykke_state_filter_set_cookie(NULL, &s, S("a=1"), T0, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_filter_set_cookie(p, NULL, S("a=1"), T0, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, NULL, 0, T0, buf, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, S("a=1"), T0, NULL, sizeof buf, &n), NUL);
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, S("a=1"), T0, buf, sizeof buf, NULL), NUL);
    samtykke_policy_free(p);
}

/* Every prefix of a good cookie, single-character changes, random bytes and
 * random base64url text: each gives a result code, none crashes. */
static void test_garbage_and_truncated_cookies(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s, out;
    new_state(p, 4, &s);
    samtykke_provider_set refused = provider(p, "twentythree");
    CHECK_RC(samtykke_state_save(p, &s, category(p, "functional"), &refused, T0, 1, 0, false, NULL),
             SAMTYKKE_RESULT_OK);
    char cookie[SAMTYKKE_COOKIE_MAX_LEN];
    size_t len = 0;
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, cookie, sizeof cookie, &len),
             SAMTYKKE_RESULT_OK);

    /* With the key, no prefix decodes, and the output is never written. */
    memset(&out, 0xab, sizeof out);
    samtykke_state sentinel = out;
    for (size_t cut = 0; cut < len; cut++) {
        samtykke_result rc = samtykke_state_from_cookie(p, cookie, cut, KEY, 32, &out);
        CHECK(rc >= 300 && rc < 400);
    }
    CHECK(memcmp(&out, &sentinel, sizeof out) == 0);
    /* Without it, a prefix gives a cookie error, or a state if one happens to
     * parse; never anything else. */
    for (size_t cut = 0; cut < len; cut++) {
        samtykke_result rc = samtykke_state_from_cookie(p, cookie, cut, NULL, 0, &out);
        CHECK(rc == SAMTYKKE_RESULT_OK || (rc >= 300 && rc < 400));
    }
    CHECK_RC(samtykke_state_from_cookie(p, cookie, len, KEY, 32, &out), SAMTYKKE_RESULT_OK);
    CHECK(memcmp(&out, &s, sizeof out) == 0);

    /* Why a value is refused: the error's text with the byte at fault, and
     * nothing for one that decodes; every prefix that is refused is explained. */
    char why[256];
    size_t why_len = 99;
    CHECK_RC(samtykke_cookie_explain(p, cookie, len, KEY, 32, why, sizeof why, &why_len),
             SAMTYKKE_RESULT_OK);
    CHECK(why_len == 0);
    char odd[SAMTYKKE_COOKIE_MAX_LEN];
    memcpy(odd, cookie, len);
    odd[7] = '!';
    CHECK_RC(samtykke_state_from_cookie(p, odd, len, KEY, 32, &out),
             SAMTYKKE_RESULT_COOKIE_ENCODING);
    CHECK_RC(samtykke_cookie_explain(p, odd, len, KEY, 32, why, sizeof why - 1, &why_len),
             SAMTYKKE_RESULT_OK);
    why[why_len] = '\0';
    CHECK(strcmp(why, "consent cookie: byte 7 (0x21) is not a base64url character") == 0);
    CHECK_RC(samtykke_cookie_explain(p, "v2.AAAA", 7, NULL, 0, why, sizeof why - 1, &why_len),
             SAMTYKKE_RESULT_OK);
    why[why_len] = '\0';
    CHECK(strstr(why, "version tag") != NULL);
    for (size_t cut = 0; cut < len; cut++) {
        samtykke_result rc = samtykke_state_from_cookie(p, cookie, cut, KEY, 32, &out);
        CHECK_RC(samtykke_cookie_explain(p, cookie, cut, KEY, 32, why, sizeof why, &why_len),
                 SAMTYKKE_RESULT_OK);
        CHECK((rc == SAMTYKKE_RESULT_OK) == (why_len == 0));
    }
    CHECK_RC(samtykke_cookie_explain(p, odd, len, KEY, 32, why, 3, &why_len),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(why_len == strlen("consent cookie: byte 7 (0x21) is not a base64url character"));
    CHECK_RC(samtykke_cookie_explain(p, odd, len, KEY, 31, why, sizeof why, &why_len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_cookie_explain(NULL, odd, len, KEY, 32, why, sizeof why, &why_len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_cookie_explain(p, NULL, 1, KEY, 32, why, sizeof why, &why_len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);

    int accepted = 0;
    for (size_t i = 3; i < len; i++) {
        char bad[SAMTYKKE_COOKIE_MAX_LEN];
        memcpy(bad, cookie, len);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        /* With the key, any change to a signed cookie is refused. */
        samtykke_result rc = samtykke_state_from_cookie(p, bad, len, KEY, 32, &out);
        CHECK(rc != SAMTYKKE_RESULT_OK);
        accepted += samtykke_state_from_cookie(p, bad, len, NULL, 0, &out) == SAMTYKKE_RESULT_OK;
    }
    CHECK(accepted < (int)len);

    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int round = 0; round < 5000; round++) {
        char junk[200];
        size_t jl = (size_t)(rnd() % sizeof junk);
        if (round % 2 == 0) {
            for (size_t i = 0; i < jl; i++) {
                junk[i] = (char)(rnd() & 0xff);
            }
        } else {
            memcpy(junk, "v1.", 3);
            jl = jl < 3 ? 3 : jl;
            for (size_t i = 3; i < jl; i++) {
                junk[i] = b64[rnd() % 64];
            }
        }
        samtykke_result rc = samtykke_state_from_cookie(p, junk, jl, KEY, 32, &out);
        CHECK(rc != SAMTYKKE_RESULT_OK);
        rc = samtykke_state_from_cookie(p, junk, jl, NULL, 0, &out);
        CHECK(rc == SAMTYKKE_RESULT_OK || (rc >= 300 && rc < 400));
        if (rc == SAMTYKKE_RESULT_OK) {
            /* Whatever decoded is a state every other call accepts. */
            samtykke_permit pm;
            CHECK_RC(samtykke_state_permits(p, &out, 0, S("nmstat"), T0, &pm), SAMTYKKE_RESULT_OK);
        }
    }
    char too_long[300];
    memset(too_long, 'A', sizeof too_long);
    memcpy(too_long, "v1.", 3);
    CHECK_RC(samtykke_state_from_cookie(p, too_long, sizeof too_long, NULL, 0, &out),
             SAMTYKKE_RESULT_COOKIE_TOO_LONG);
    CHECK_RC(samtykke_state_from_cookie(p, S("v2.AAAA"), NULL, 0, &out),
             SAMTYKKE_RESULT_COOKIE_VERSION);
    CHECK_RC(samtykke_state_from_cookie(p, S("v1.!!!!"), NULL, 0, &out),
             SAMTYKKE_RESULT_COOKIE_ENCODING);
    CHECK_RC(samtykke_state_from_cookie(p, S(""), NULL, 0, &out), SAMTYKKE_RESULT_COOKIE_VERSION);
    /* A Cookie header with a control character is refused, not misread. */
    char v[64];
    size_t vl = 0;
    bool found = false;
    CHECK_RC(samtykke_cookie_header_get(S("a=1;\x01 samtykke=v1.x"), S("samtykke"), v, sizeof v,
                                        &vl, &found),
             SAMTYKKE_RESULT_HEADER_INVALID);
    CHECK_RC(samtykke_cookie_header_get(S("a=1; b=2"), S("samtykke"), v, sizeof v, &vl, &found),
             SAMTYKKE_RESULT_OK);
    CHECK(!found && vl == 0);
    /* Names are exact: PHP's $_COOKIE would turn "samtykke.x" into "samtykke_x". */
    CHECK_RC(samtykke_cookie_header_get(S("samtykke_x=1; samtykke.x=2"), S("samtykke.x"), v,
                                        sizeof v, &vl, &found),
             SAMTYKKE_RESULT_OK);
    CHECK(found && vl == 1 && v[0] == '2');
    samtykke_policy_free(p);
}

/* Truncated, mutated and broken policies give an error with a JSON path. */
static void test_garbage_and_truncated_policies(void) {
    samtykke_policy *p = NULL;
    struct load_error err;
    for (size_t cut = 0; cut < policy_json_len; cut += 7) {
        p = NULL;
        samtykke_result rc = samtykke_policy_from_json(policy_json, cut, &p);
        CHECK(rc != SAMTYKKE_RESULT_OK && p == NULL);
        err = explain(policy_json, cut);
        CHECK(rc >= 200 && rc < 300 && err.code == rc);
        CHECK(err.path[0] != '\0' && err.message[0] != '\0');
    }
    CHECK_RC(samtykke_policy_from_json(policy_json, 100, &p),
             SAMTYKKE_RESULT_POLICY_MALFORMED_JSON);
    CHECK(strncmp(explain(policy_json, 100).path, "line ", 5) == 0);
    /* A document that loads has nothing to explain. */
    err = explain(policy_json, policy_json_len);
    CHECK(err.code == SAMTYKKE_RESULT_OK && err.path[0] == '\0' && err.message[0] == '\0');

    char *copy = malloc(policy_json_len);
    CHECK(copy != NULL);
    int loaded = 0;
    for (int round = 0; round < 2000 && copy != NULL; round++) {
        memcpy(copy, policy_json, policy_json_len);
        for (int k = 0; k < 1 + round % 4; k++) {
            copy[rnd() % policy_json_len] = (char)(rnd() & 0xff);
        }
        p = NULL;
        samtykke_result rc = samtykke_policy_from_json(copy, policy_json_len, &p);
        if (rc == SAMTYKKE_RESULT_OK) {
            loaded++;
            samtykke_policy_free(p);
        } else {
            CHECK(p == NULL && ((rc >= 200 && rc < 300) || rc == SAMTYKKE_RESULT_INVALID_UTF8));
        }
    }
    free(copy);
    CHECK(loaded < 2000);

    struct {
        const char *from, *to;
        samtykke_result code;
        const char *path;
    } broken[] = {
        {"\"basis\": \"consent\"", "\"basis\": \"legitimate_interest\"",
         SAMTYKKE_RESULT_POLICY_BASIS_NOT_ALLOWED, "categories[1].basis"},
        {"\"schema\": \"samtykke/policy/1\"", "\"schema\": \"samtykke/policy/9\"",
         SAMTYKKE_RESULT_POLICY_UNKNOWN_SCHEMA, "schema"},
        {"\"consent_ttl_days\": 100", "\"consent_ttl_days\": 0",
         SAMTYKKE_RESULT_POLICY_TTL_OUT_OF_RANGE, "consent_ttl_days"},
        {"\"category\": \"statistics\"", "\"category\": \"ads\"",
         SAMTYKKE_RESULT_POLICY_UNKNOWN_CATEGORY, "storage[5].category"},
        {"\"basis\": \"exempt\"", "\"basis\": \"consent\"",
         SAMTYKKE_RESULT_POLICY_NECESSARY_REFUSABLE, "categories[0].basis"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char *json = replaced(policy_json, broken[i].from, broken[i].to);
        CHECK(json != NULL);
        if (json == NULL) {
            continue;
        }
        p = NULL;
        CHECK_RC(samtykke_policy_from_json(json, strlen(json), &p), broken[i].code);
        err = explain(json, strlen(json));
        CHECK(p == NULL && err.code == broken[i].code);
        if (strcmp(err.path, broken[i].path) != 0) {
            fprintf(stderr, "  path %s, expected %s (%s)\n", err.path, broken[i].path,
                    err.message);
            failures++;
        }
        free(json);
    }
    /* Not UTF-8 at all. */
    CHECK_RC(samtykke_policy_from_json(S("{\"schema\": \"\xff\xfe\"}"), &p),
             SAMTYKKE_RESULT_POLICY_MALFORMED_JSON);
}

/* Garbage, truncated, corrupted and foreign state and proof bytes. */
static void test_garbage_states(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state good, bad;
    new_state(p, 5, &good);
    samtykke_proof proof;
    CHECK_RC(samtykke_state_accept_all(p, &good, T0, 1, 0, false, &proof), SAMTYKKE_RESULT_OK);
    samtykke_permit pm;
    bool due;

    memset(&bad, 0, sizeof bad);
    CHECK_RC(samtykke_state_permits(p, &bad, 0, S("nmstat"), T0, &pm),
             SAMTYKKE_RESULT_STATE_INVALID);
    /* A truncated copy: the first half of a good state, the rest zero. */
    memcpy(&bad, &good, sizeof bad / 2);
    CHECK_RC(samtykke_state_prompt_due(p, &bad, T0, &due), SAMTYKKE_RESULT_STATE_INVALID);
    /* Every single-bit change is caught. */
    for (size_t bit = 0; bit < sizeof good * 8; bit++) {
        bad = good;
        ((unsigned char *)&bad)[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        samtykke_result rc = samtykke_state_prompt_due(p, &bad, T0, &due);
        CHECK(rc == SAMTYKKE_RESULT_STATE_INVALID || rc == SAMTYKKE_RESULT_STATE_POLICY_MISMATCH);
    }
    /* Random bytes. */
    for (int round = 0; round < 10000; round++) {
        for (size_t i = 0; i < sizeof bad.words / sizeof bad.words[0]; i++) {
            bad.words[i] = rnd();
        }
        samtykke_state before = bad;
        CHECK_RC(samtykke_state_accept_all(p, &bad, T0, 1, 0, false, NULL),
                 SAMTYKKE_RESULT_STATE_INVALID);
        CHECK(memcmp(&before, &bad, sizeof bad) == 0); /* untouched on error */
    }
    /* A proof is not a state, and garbage is not a proof. */
    char buf[512];
    size_t n = 0;
    memcpy(&bad, &proof, sizeof proof);
    CHECK_RC(samtykke_state_prompt_due(p, &bad, T0, &due), SAMTYKKE_RESULT_STATE_INVALID);
    samtykke_proof junk;
    memset(&junk, 0x5a, sizeof junk);
    CHECK_RC(samtykke_proof_to_json(p, &junk, buf, sizeof buf, &n), SAMTYKKE_RESULT_PROOF_INVALID);
    memcpy(&junk, &good, sizeof junk);
    CHECK_RC(samtykke_proof_to_json(p, &junk, buf, sizeof buf, &n), SAMTYKKE_RESULT_PROOF_INVALID);

    /* A state of the same document loaded again is still good; one of another
     * revision is not (its meaning may have changed). */
    samtykke_policy *again = kk();
    CHECK_RC(samtykke_state_prompt_due(again, &good, T0, &due), SAMTYKKE_RESULT_OK);
    char *rev2 = replaced(policy_json, "\"revision\": 1,", "\"revision\": 2,");
    CHECK(rev2 != NULL);
    samtykke_policy *newer = rev2 ? load(rev2, strlen(rev2)) : NULL;
    CHECK(newer != NULL);
    CHECK_RC(samtykke_state_prompt_due(newer, &good, T0, &due),
             SAMTYKKE_RESULT_STATE_POLICY_MISMATCH);
    /* The consent cookie is how a state crosses revisions. */
    char cookie[SAMTYKKE_COOKIE_MAX_LEN];
    size_t len = 0;
    CHECK_RC(samtykke_state_to_cookie(p, &good, KEY, 32, cookie, sizeof cookie, &len),
             SAMTYKKE_RESULT_OK);
    samtykke_state moved;
    CHECK_RC(samtykke_state_from_cookie(newer, cookie, len, KEY, 32, &moved), SAMTYKKE_RESULT_OK);
    CHECK(permit(newer, &moved, "nmstat", T0).allowed);
    samtykke_policy_free(newer);
    samtykke_policy_free(again);
    free(rev2);
    samtykke_policy_free(p);
}

/* A too-small buffer gets its own code and the length needed, and nothing
 * else is written. */
static void test_too_small_buffers(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 6, &s);
    samtykke_proof proof;
    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0, 1, 0, false, &proof),
             SAMTYKKE_RESULT_OK);
    char buf[2048];
    size_t need = 0, n = 0, m = 0;

    /* The consent cookie. */
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, NULL, 0, &need),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need > 0 && need <= SAMTYKKE_COOKIE_MAX_LEN);
    memset(buf, '#', sizeof buf);
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, buf, need - 1, &n),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == need && buf[0] == '#' && buf[need - 1] == '#');
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, 32, buf, need, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == need && buf[0] == 'v');

    /* The proof record. */
    CHECK_RC(samtykke_proof_to_json(p, &proof, NULL, 0, &need), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    memset(buf, '#', sizeof buf);
    CHECK_RC(samtykke_proof_to_json(p, &proof, buf, need - 1, &n),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == need && buf[0] == '#');
    CHECK_RC(samtykke_proof_to_json(p, &proof, buf, need, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == need && buf[0] == '{' && buf[need - 1] == '}');

    /* The Set-Cookie filter. */
    const char *headers = "nmstat=1\nJSESSIONID=2\nSESSx=3";
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, headers, strlen(headers), T0, buf, 5, &need),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == strlen("nmstat=1\nSESSx=3\n"));
    CHECK_RC(samtykke_state_filter_set_cookie(p, &s, headers, strlen(headers), T0, buf, need, &n),
             SAMTYKKE_RESULT_OK);
    CHECK(n == need && memcmp(buf, "nmstat=1\nSESSx=3\n", n) == 0);

    /* A load error's path and message: both lengths needed come back at once,
     * and nothing else is written. */
    static const char zero_ttl[] = "{\"schema\": \"samtykke/policy/9\"}";
    char msg[512];
    size_t need_msg = 0;
    uint32_t code = 12345;
    CHECK_RC(samtykke_policy_explain_error(S(zero_ttl), &code, NULL, 0, &need, NULL, 0, &need_msg),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == strlen("schema") && need_msg > 0 && code == 12345);
    memset(buf, '#', sizeof buf);
    CHECK_RC(samtykke_policy_explain_error(S(zero_ttl), &code, buf, need, &n, msg, need_msg - 1,
                                           &m),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == need && m == need_msg && buf[0] == '#' && code == 12345);
    CHECK_RC(samtykke_policy_explain_error(S(zero_ttl), &code, buf, need, &n, msg, need_msg, &m),
             SAMTYKKE_RESULT_OK);
    CHECK(n == need && memcmp(buf, "schema", n) == 0 && m == need_msg);
    CHECK(code == SAMTYKKE_RESULT_POLICY_UNKNOWN_SCHEMA);

    /* A cookie value. */
    bool found = true;
    CHECK_RC(samtykke_cookie_header_get(S("a=12345"), S("a"), buf, 4, &need, &found),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == 5);
    samtykke_policy_free(p);
}

/* Enum values and other arguments out of range give an error code. */
static void test_out_of_range_arguments(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 7, &s);
    samtykke_state before = s;
    samtykke_permit pm;
    const int INV = SAMTYKKE_RESULT_INVALID_ARGUMENT;

    CHECK_RC(samtykke_state_permits(p, &s, SAMTYKKE_KIND_INDEXED_DB + 1, S("nmstat"), T0, &pm),
             INV);
    CHECK_RC(samtykke_state_permits(p, &s, UINT32_MAX, S("nmstat"), T0, &pm), INV);
    CHECK_RC(samtykke_state_permits(p, &s, SAMTYKKE_KIND_LOCAL_STORAGE, S("nmstat"), T0, &pm),
             SAMTYKKE_RESULT_OK);
    CHECK(!pm.declared); /* nmstat is a cookie, not a localStorage key */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0, 1, SAMTYKKE_CONTROL_SIGNAL + 1, false, NULL),
             INV);
    CHECK_RC(samtykke_state_accept_all(p, &s, T0, 1, UINT32_MAX, false, NULL), INV);
    CHECK_RC(samtykke_state_reject_all(p, &s, T0, 65536, 0, false, NULL), INV);
    const uint32_t stats = category(p, "statistics"), functional = category(p, "functional");
    /* R7: a decision carries the notice shown; a signal is no user's control. */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0, 0, 0, false, NULL), INV);
    CHECK_RC(samtykke_state_withdraw_all(p, &s, T0, 0, 0, false, NULL, NULL), INV);
    CHECK_RC(samtykke_state_reject_all(p, &s, T0, 1, SAMTYKKE_CONTROL_SIGNAL, false, NULL), INV);
    CHECK_RC(samtykke_state_save(p, &s, stats, NULL, T0, 1, SAMTYKKE_CONTROL_SIGNAL, false, NULL),
             INV);
    CHECK_RC(samtykke_state_save(p, &s, stats, NULL, T0, 1, 77, false, NULL), INV);
    CHECK_RC(samtykke_state_withdraw(p, &s, stats, T0, 1, 5, false, NULL, NULL), INV);
    CHECK_RC(samtykke_state_withdraw_all(p, &s, T0, UINT32_MAX, 0, false, NULL, NULL), INV);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_ACCEPT_ALL, T0), INV);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_WITHDRAW, T0), INV);
    CHECK_RC(samtykke_state_gesture(p, &s, SAMTYKKE_ACTION_IDLE + 1, T0), INV);
    CHECK_RC(samtykke_state_gesture(p, &s, UINT32_MAX, T0), INV);
    CHECK(memcmp(&before, &s, sizeof s) == 0);

    CHECK_RC(samtykke_state_accept_all(p, &s, INT64_MAX, 1, 0, false, NULL),
             SAMTYKKE_RESULT_INVALID_TIME);
    CHECK_RC(samtykke_state_prompt_due(p, &s, INT64_MIN, &(bool){false}),
             SAMTYKKE_RESULT_INVALID_TIME);
    /* Only times a proof record and a log line can state (years 0000-9999):
     * a negative year would be written as 0000-01-01. */
    CHECK_RC(samtykke_state_accept_all(p, &s, -62167219201LL, 1, 0, false, NULL),
             SAMTYKKE_RESULT_INVALID_TIME);
    CHECK_RC(samtykke_state_accept_all(p, &s, -377705116800LL, 1, 0, false, NULL),
             SAMTYKKE_RESULT_INVALID_TIME);
    CHECK_RC(samtykke_state_prompt_due(p, &s, 253402300800LL, &(bool){false}),
             SAMTYKKE_RESULT_INVALID_TIME);
    CHECK(memcmp(&before, &s, sizeof s) == 0);
    {
        samtykke_state first = before;
        samtykke_proof proof;
        char json[1024];
        size_t n = 0;
        CHECK_RC(samtykke_state_accept_all(p, &first, -62167219200LL, 1, 0, false, &proof),
                 SAMTYKKE_RESULT_OK);
        CHECK_RC(samtykke_proof_to_json(p, &proof, json, sizeof json, &n), SAMTYKKE_RESULT_OK);
        CHECK(strstr(json, "\"0000-01-01T00:00:00Z\"") != NULL);
        CHECK_RC(samtykke_state_prompt_due(p, &first, 253402300799LL, &(bool){false}),
                 SAMTYKKE_RESULT_OK);
    }
    /* Names the policy does not declare, and bits that name nothing. */
    uint32_t bit = 7;
    samtykke_provider_set set = {{7, 7}};
    CHECK_RC(samtykke_policy_category_bit(p, S("ads"), &bit), SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK_RC(samtykke_policy_category_bit(p, S("statistics,functional"), &bit),
             SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK_RC(samtykke_policy_provider_bit(p, S("google"), &set), SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK(bit == 7 && set.bits[0] == 7 && set.bits[1] == 7); /* untouched on error */
    CHECK_RC(samtykke_policy_category_bit(p, S("\xc3"), &bit), SAMTYKKE_RESULT_INVALID_UTF8);
    CHECK_RC(samtykke_state_save(p, &s, stats | (1u << 31), NULL, T0, 1, 0, false, NULL),
             SAMTYKKE_RESULT_UNKNOWN_NAME);
    samtykke_provider_set nobody = {{0, 1}};
    CHECK_RC(samtykke_state_save(p, &s, stats, &nobody, T0, 1, 0, false, NULL),
             SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK_RC(samtykke_state_withdraw(p, &s, 1u << 20, T0, 1, 0, false, NULL, NULL),
             SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK_RC(samtykke_state_category_status(p, &s, S("marketing"), T0, &pm),
             SAMTYKKE_RESULT_UNKNOWN_NAME);
    CHECK_RC(samtykke_state_permits(p, &s, 0, S("nm\xffstat"), T0, &pm),
             SAMTYKKE_RESULT_INVALID_UTF8);
    CHECK(memcmp(&before, &s, sizeof s) == 0);

    const uint8_t id[17] = {0};
    samtykke_state t;
    CHECK_RC(samtykke_state_init(p, id, 15, &t), INV);
    CHECK_RC(samtykke_state_init(p, id, 17, &t), INV);
    CHECK_RC(samtykke_state_init(p, id, 0, &t), INV);
    /* Bits are one per slot, OR-ed together; an empty choice grants nothing (R1). */
    CHECK(stats != 0 && functional != 0 && (stats & (stats - 1)) == 0 && (stats & functional) == 0);
    CHECK_RC(samtykke_state_save(p, &s, functional | stats, NULL, T0, 1, 0, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK(permit(p, &s, "nmstat", T0).allowed && permit(p, &s, "JSESSIONID", T0).allowed);
    CHECK_RC(samtykke_state_save(p, &s, 0, NULL, T0 + 1, 1, 0, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK(!permit(p, &s, "nmstat", T0 + 1).allowed);
    samtykke_policy_free(p);
}

/* One policy shared by many threads deciding at once. */
#define THREADS 8
#define ROUNDS 200

struct worker {
    const samtykke_policy *policy;
    int index;
    int errors;
};

static void *work(void *arg) {
    struct worker *w = arg;
    const samtykke_policy *p = w->policy;
    for (int r = 0; r < ROUNDS; r++) {
        uint8_t id[16] = {0};
        id[0] = (uint8_t)w->index;
        id[1] = (uint8_t)r;
        samtykke_state s, back;
        samtykke_permit pm;
        int64_t t = T0 + r;
        char cookie[SAMTYKKE_COOKIE_MAX_LEN];
        size_t len = 0;
        uint32_t choice = 0;
        samtykke_plan *plan = NULL;
        samtykke_plan_counts counts = {0, 0, 0};
        const char *first = NULL;
        int e = 0;
        e += samtykke_state_init(p, id, sizeof id, &s) != SAMTYKKE_RESULT_OK;
        e += samtykke_state_permits(p, &s, 0, "nmstat", 6, t, &pm) != SAMTYKKE_RESULT_OK;
        e += pm.allowed || pm.why != SAMTYKKE_WHY_UNDECIDED;
        const char *id_of = (r + w->index) % 2 ? "statistics" : "functional";
        e += samtykke_policy_category_bit(p, id_of, strlen(id_of), &choice) != SAMTYKKE_RESULT_OK;
        e += samtykke_state_save(p, &s, choice, NULL, t, 1, 0, false, NULL) != SAMTYKKE_RESULT_OK;
        e += samtykke_state_permits(p, &s, 0, "nmstat", 6, t, &pm) != SAMTYKKE_RESULT_OK;
        e += pm.allowed != ((r + w->index) % 2 == 1);
        e += samtykke_state_to_cookie(p, &s, KEY, 32, cookie, sizeof cookie, &len) !=
             SAMTYKKE_RESULT_OK;
        e += samtykke_state_from_cookie(p, cookie, len, KEY, 32, &back) != SAMTYKKE_RESULT_OK;
        e += memcmp(&s, &back, sizeof s) != 0;
        e += samtykke_state_withdraw_all(p, &s, t + 1, 1, 2, false, NULL, NULL) != SAMTYKKE_RESULT_OK;
        e += samtykke_state_deletion_plan(p, &s, "www.kk.dk", 9, "nmstat=1; JSESSIONID=2", 22,
                                          t + 1, &plan) != SAMTYKKE_RESULT_OK;
        e += samtykke_plan_count(plan, &counts) != SAMTYKKE_RESULT_OK;
        e += counts.set_cookie != 6; /* two cookies, each on three domains */
        e += samtykke_plan_set_cookie(plan, 2, &first, &len) != SAMTYKKE_RESULT_OK;
        e += first == NULL || strstr(first, "Domain=kk.dk") == NULL;
        samtykke_plan_free(plan);
        w->errors += e;
    }
    return NULL;
}

static void test_one_policy_many_threads(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){.policy = p, .index = i, .errors = 0};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(workers[i].errors == 0);
    }
    samtykke_policy_free(p);
}

/* ---- the runner ------------------------------------------------------------ */

struct test {
    const char *name;
    void (*run)(void);
};

/* SPEC §16: Google Consent Mode v2 flags follow the mapped categories' status at
 * `now`; unmapped types are denied; a type other than security_storage on the
 * exempt category does not load. */
static void test_consent_mode_flags(void) {
    samtykke_policy *p = load_with_consent_mode("\"ad_storage\": \"statistics\", "
                                                "\"analytics_storage\": \"statistics\", "
                                                "\"functionality_storage\": \"functional\", "
                                                "\"security_storage\": \"necessary\"");
    samtykke_state s;
    new_state(p, 16, &s);
    uint32_t flags = 0xffffffffu;
    /* Undecided: only the exempt security_storage. */
    CHECK_RC(samtykke_state_consent_mode(p, &s, T0, &flags), SAMTYKKE_RESULT_OK);
    CHECK(flags == SAMTYKKE_CONSENT_MODE_SECURITY_STORAGE);
    /* Statistics saved, functional refused: ads and analytics granted. */
    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0 + 10, 1,
                                 SAMTYKKE_CONTROL_TOGGLE, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_consent_mode(p, &s, T0 + 10, &flags), SAMTYKKE_RESULT_OK);
    CHECK(flags == (SAMTYKKE_CONSENT_MODE_AD_STORAGE | SAMTYKKE_CONSENT_MODE_ANALYTICS_STORAGE |
                    SAMTYKKE_CONSENT_MODE_SECURITY_STORAGE));
    CHECK(flags == 0x49u); /* bits 0, 3 and 6, written out */
    /* The grant lapses after 100 days. */
    CHECK_RC(samtykke_state_consent_mode(p, &s, T0 + 10 + 100 * DAY, &flags), SAMTYKKE_RESULT_OK);
    CHECK(flags == SAMTYKKE_CONSENT_MODE_SECURITY_STORAGE);
    /* Accept all: every mapped type; the unmapped three stay denied. */
    CHECK_RC(samtykke_state_accept_all(p, &s, T0 + 20, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_consent_mode(p, &s, T0 + 20, &flags), SAMTYKKE_RESULT_OK);
    CHECK(flags == 0x59u);
    CHECK((flags & (SAMTYKKE_CONSENT_MODE_AD_USER_DATA | SAMTYKKE_CONSENT_MODE_AD_PERSONALIZATION |
                    SAMTYKKE_CONSENT_MODE_PERSONALIZATION_STORAGE)) == 0);
    /* Arguments. */
    CHECK_RC(samtykke_state_consent_mode(NULL, &s, T0, &flags), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_consent_mode(p, NULL, T0, &flags), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_consent_mode(p, &s, T0, NULL), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_consent_mode(p, &s, INT64_MIN, &flags),
             SAMTYKKE_RESULT_INVALID_TIME);
    samtykke_policy_free(p);

    /* ad_user_data on the exempt category is a load error naming its path. */
    char *json = with_consent_mode("\"ad_user_data\": \"necessary\"");
    CHECK(json != NULL);
    if (json != NULL) {
        struct load_error e = explain(json, strlen(json));
        CHECK(e.code == SAMTYKKE_RESULT_POLICY_CONSENT_MODE_EXEMPT);
        CHECK(strcmp(e.path, "consent_mode.ad_user_data") == 0);
        free(json);
    }
}

/* A key file (SPEC §15): one key a line when it is text, the first signs; the
 * whole file one key when it is not; 32 bytes or more each. */
static void test_site_keys(void) {
    char out[256];
    size_t n = 0;
    const char text[] = "# rotated\n0123456789abcdef0123456789abcdef \r\n\nthe older key, also 32 bytes long\n";
    CHECK_RC(samtykke_site_keys((const uint8_t *)text, strlen(text), out, sizeof out - 1, &n),
             SAMTYKKE_RESULT_OK);
    out[n] = '\0';
    CHECK(strcmp(out, "3031323334353637383961626364656630313233343536373839616263646566\n"
                      "746865206f6c646572206b65792c20616c736f203332206279746573206c6f6e67\n") == 0);
    uint8_t binary[40];
    for (size_t i = 0; i < sizeof binary; i++) {
        binary[i] = (uint8_t)(0xc0 + i);
    }
    CHECK_RC(samtykke_site_keys(binary, sizeof binary, out, sizeof out, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == 2 * sizeof binary + 1 && strncmp(out, "c0c1c2", 6) == 0 && out[n - 1] == '\n');
    const char short_line[] = "0123456789abcdef0123456789abcdef\nshort\n";
    CHECK_RC(samtykke_site_keys((const uint8_t *)short_line, strlen(short_line), out, sizeof out, &n),
             SAMTYKKE_RESULT_KEY_FILE_INVALID);
    CHECK_RC(samtykke_site_keys(binary, 31, out, sizeof out, &n), SAMTYKKE_RESULT_KEY_FILE_INVALID);
    CHECK_RC(samtykke_site_keys((const uint8_t *)"", 0, out, sizeof out, &n),
             SAMTYKKE_RESULT_KEY_FILE_INVALID);
    CHECK_RC(samtykke_site_keys(NULL, 0, out, sizeof out, &n), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_site_keys(binary, sizeof binary, out, 10, &n), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 2 * sizeof binary + 1);
}

/* SPEC §16: TC strings and GPP strings. Vectors: IABTechLab/iabgpp-java @
 * 044ac66daf428dd565ceb08f9cd9f953ed165c8d, TcfEuV2Test.java testDecode7, and
 * UsNatTest.java @ 0a9d59ae294bccf7a8d430820f6e09500eb49f6b testDecode1. */
static void test_tcf_and_gpp_strings(void) {
    static const char tc[] = "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA";
    samtykke_tcf t;
    memset(&t, 0, sizeof t);
    CHECK_RC(samtykke_tcf_decode(tc, strlen(tc), &t), SAMTYKKE_RESULT_OK);
    CHECK(t.version == 2 && t.cmp_id == 7 && t.cmp_version == 1 && t.vendor_list_version == 48);
    CHECK(t.created_deciseconds / 10 == 1570425474u);
    CHECK(t.consent_language[0] == 'E' && t.consent_language[1] == 'N');
    CHECK(t.publisher_cc[0] == 'G' && t.publisher_cc[1] == 'B');
    CHECK(t.purposes_consent == 0x1u);                          /* purpose 1 */
    CHECK(t.purposes_li == ((1u << 1) | (1u << 6) | (1u << 8) | (1u << 9))); /* 2, 7, 9, 10 */
    CHECK(t.special_feature_opt_ins == 0x1u);
    CHECK(t.max_vendor_id == 755 && t.num_pub_restrictions == 1);
    CHECK(!t.has_disclosed_vendors && !t.has_allowed_vendors && !t.has_publisher_tc);
    CHECK(t.warnings == 0);

    uint16_t ids[8];
    size_t n = 0;
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), SAMTYKKE_TCF_VENDOR_CONSENTS, ids, 8, &n),
             SAMTYKKE_RESULT_OK);
    CHECK(n == 4 && ids[0] == 1 && ids[1] == 2 && ids[2] == 3 && ids[3] == 755);
    /* Ranges 1-3 and 2-4 name vendors 2 and 3 twice: each is listed once. */
    const char *twice = "COnyv0AOnyv0AAHABBENBkEAAIAAAAAAAAZQACQAoAAgAHAAIABAAAAAA";
    CHECK_RC(samtykke_tcf_vendors(twice, strlen(twice), SAMTYKKE_TCF_VENDOR_CONSENTS, ids, 8, &n),
             SAMTYKKE_RESULT_OK);
    CHECK(n == 4 && ids[0] == 1 && ids[1] == 2 && ids[2] == 3 && ids[3] == 4);
    /* Too small: the number needed, nothing else. */
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), SAMTYKKE_TCF_VENDOR_LI, ids, 8, &n),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 9);
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), SAMTYKKE_TCF_VENDOR_LI, NULL, 0, &n),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 9);
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), SAMTYKKE_TCF_DISCLOSED_VENDORS, NULL, 0, &n),
             SAMTYKKE_RESULT_OK);
    CHECK(n == 0);
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), 4, ids, 8, &n), SAMTYKKE_RESULT_INVALID_ARGUMENT);

    samtykke_tcf_restriction r[2];
    CHECK_RC(samtykke_tcf_restrictions(tc, strlen(tc), r, 2, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == 1 && r[0].purpose == 1 && r[0].restriction_type == 0 && r[0].vendor == 10);
    /* iabtcf-es issue 201: restrictions repeated under one purpose and type.
     * Each vendor is listed once under its purpose and type: 70 entries. */
    static const char repeated[] =
        "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA";
    samtykke_tcf_restriction many[128];
    CHECK_RC(samtykke_tcf_restrictions(repeated, strlen(repeated), many, 128, &n),
             SAMTYKKE_RESULT_OK);
    CHECK(n == 70);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            CHECK(!(many[i].purpose == many[j].purpose &&
                    many[i].restriction_type == many[j].restriction_type &&
                    many[i].vendor == many[j].vendor));

    /* Errors: a code, and the field and bit in words. */
    static const char vlv0[] = "CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA";
    CHECK_RC(samtykke_tcf_decode(vlv0, strlen(vlv0), &t), SAMTYKKE_RESULT_TCF_INVALID);
    char msg[128];
    CHECK_RC(samtykke_tcf_explain(vlv0, strlen(vlv0), msg, sizeof msg, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == strlen("vendor_list_version at bit 120 of segment 0: the vendor list version is 0"));
    CHECK(strncmp(msg, "vendor_list_version at bit 120 of segment 0:", 44) == 0);
    CHECK_RC(samtykke_tcf_explain(tc, strlen(tc), msg, sizeof msg, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == 0);
    CHECK_RC(samtykke_tcf_decode("C", 1, &t), SAMTYKKE_RESULT_TCF_INVALID);
    CHECK_RC(samtykke_tcf_decode(NULL, 0, &t), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_tcf_decode(tc, strlen(tc), NULL), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), 0, NULL, 4, &n), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_tcf_vendors(tc, strlen(tc), 0, ids, 8, NULL), SAMTYKKE_RESULT_NULL_ARGUMENT);

    /* GPP: ids, a section's place, uspv1 and usnat. */
    static const char g[] = "DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN";
    CHECK_RC(samtykke_gpp_decode(g, strlen(g), ids, 8, &n), SAMTYKKE_RESULT_OK);
    CHECK(n == 2 && ids[0] == 2 && ids[1] == 6);
    size_t off = 0, len = 0;
    CHECK_RC(samtykke_gpp_section(g, strlen(g), 2, &off, &len), SAMTYKKE_RESULT_OK);
    CHECK(off == 8 && len == 44);
    CHECK_RC(samtykke_tcf_decode(g + off, len, &t), SAMTYKKE_RESULT_OK);
    CHECK(t.cmp_id == 31 && t.is_service_specific);
    CHECK_RC(samtykke_gpp_section(g, strlen(g), 7, &off, &len), SAMTYKKE_RESULT_UNKNOWN_NAME);
    samtykke_gpp_uspv1 u;
    CHECK_RC(samtykke_gpp_uspv1_decode(g, strlen(g), &u), SAMTYKKE_RESULT_OK);
    CHECK(u.version == 1 && u.notice == 'Y' && u.opt_out_sale == 'N' && u.lspa_covered == 'N');
    samtykke_gpp_usnat un;
    CHECK_RC(samtykke_gpp_usnat_decode(g, strlen(g), &un), SAMTYKKE_RESULT_UNKNOWN_NAME);
    static const char nat[] = "DBABLA~BVVVkkkklWA.YA";
    CHECK_RC(samtykke_gpp_usnat_decode(nat, strlen(nat), &un), SAMTYKKE_RESULT_OK);
    CHECK(un.version == 1 && un.gpc == 1 && un.num_sensitive_data_processing == 12);
    CHECK(un.sensitive_data_processing[0] == 2 && un.sensitive_data_processing[1] == 1);
    CHECK(un.num_known_child_sensitive_data_consents == 2 && un.mspa_service_provider_mode == 2);
    static const char nogpc[] = "DBABLA~BVVVkkkklWA";
    CHECK_RC(samtykke_gpp_usnat_decode(nogpc, strlen(nogpc), &un), SAMTYKKE_RESULT_OK);
    CHECK(un.gpc == -1);
    /* Ids and sections disagree in number. */
    static const char two[] = "DBABTA~1YNN~1YNN";
    CHECK_RC(samtykke_gpp_decode(two, strlen(two), ids, 8, &n), SAMTYKKE_RESULT_GPP_INVALID);
    CHECK_RC(samtykke_gpp_explain(two, strlen(two), msg, sizeof msg, &n), SAMTYKKE_RESULT_OK);
    CHECK(n > 0 && strstr(msg, "2 sections follow") != NULL);
    CHECK_RC(samtykke_gpp_explain(two, strlen(two), msg, 4, &n), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK_RC(samtykke_gpp_decode(g, strlen(g), ids, 1, &n), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == 2);
}

/* SPEC §15 for a server-side host: a response's Set-Cookie headers judged and
 * clamped, the consent cookie's header, the consent log's lines and proof
 * retention; NULLs and small buffers give result codes. */
static void test_server_side_enforcement(void) {
    samtykke_policy *p = load(policy_json, policy_json_len);
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 16, &s);
    char buf[1024];
    size_t len = 0;
    const char page[] = "SESSabc=1; Path=/\nnmstat=1; Max-Age=86400000; Path=/\r\n\nnot a cookie\nnmstat=; Max-Age=0";
    CHECK_RC(samtykke_state_judge_set_cookies(p, &s, S(page), T0, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len == strlen("SESSabc=1; Path=/\nnmstat=; Max-Age=0\n") &&
          memcmp(buf, "SESSabc=1; Path=/\nnmstat=; Max-Age=0\n", len) == 0);
    samtykke_proof proof;
    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0, 1, SAMTYKKE_CONTROL_TOGGLE,
                                 false, &proof), SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_judge_set_cookies(p, &s, S(page), T0, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    /* kk.dk: consent lasts 100 days, so 1000 days become 8640000 s. */
    const char kept[] = "SESSabc=1; Path=/\nnmstat=1; Max-Age=8640000; Path=/\nnmstat=; Max-Age=0\n";
    CHECK(len == strlen(kept) && memcmp(buf, kept, len) == 0);
    CHECK_RC(samtykke_state_judge_set_cookies(p, &s, S(page), T0, buf, 4, &len), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(len == strlen(kept));
    CHECK_RC(samtykke_state_judge_set_cookies(p, NULL, S(page), T0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);

    CHECK_RC(samtykke_state_consent_set_cookie(p, &s, KEY, sizeof KEY, S("127.0.0.1:8080"), false, buf,
                                               sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len > 12 && memcmp(buf, "samtykke=v1.", 12) == 0);
    buf[len < sizeof buf ? len : sizeof buf - 1] = '\0'; /* the library writes no NUL */
    CHECK(strstr(buf, "Domain=") == NULL);
    CHECK_RC(samtykke_state_consent_set_cookie(p, &s, KEY, sizeof KEY, S("www.kk.dk"), true, buf,
                                               sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len > 22 && memcmp(buf + len - 22, "; Secure; Domain=kk.dk", 22) == 0);
    CHECK_RC(samtykke_state_consent_set_cookie(p, &s, NULL, 3, S("kk.dk"), false, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);

    CHECK_RC(samtykke_log_line(p, &s, SAMTYKKE_LOG_EVENT_COOKIE_PRESENT, T0, S("nmstat=1; SESSx=2"), 0, buf,
                               sizeof buf, &len), SAMTYKKE_RESULT_OK);
    /* The visitor is the consent id in hex: bytes 16, 23, 30, ... (new_state). */
    const char present[] = "{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"10171e252c333a41484f565d646b7279\","
                           "\"event\":\"cookie_present\",\"cookies\":[\"nmstat\",\"SESSx\"]}";
    CHECK(len == strlen(present) && memcmp(buf, present, len) == 0);
    CHECK_RC(samtykke_log_line(p, &s, SAMTYKKE_LOG_EVENT_COOKIE_PRESENT, T0, S("a=\x01"), 0, buf, sizeof buf,
                               &len), SAMTYKKE_RESULT_HEADER_INVALID);
    CHECK_RC(samtykke_log_line(p, &s, SAMTYKKE_LOG_EVENT_NOTICE_AUTO, T0, S("accept_all\nreject_all"), 256,
                               buf, sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_log_line(p, &s, 99, T0, NULL, 0, 0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_log_line(p, &s, SAMTYKKE_LOG_EVENT_SIGNAL_GPC, T0, NULL, 0, 0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_log_decision(p, &s, T0, SAMTYKKE_ACTION_SAVE, 1, SAMTYKKE_CONTROL_TOGGLE,
                                   category(p, "statistics"), true, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    const char decision[] = "\"action\":\"save\",\"revision\":1,\"notice\":1,\"control\":\"toggle\","
                            "\"granted\":[\"statistics\"],\"gpc\":true}";
    CHECK(len > strlen(decision) && memcmp(buf + len - strlen(decision), decision, strlen(decision)) == 0);
    CHECK_RC(samtykke_log_decision(p, &s, T0, SAMTYKKE_ACTION_SCROLL, 1, SAMTYKKE_CONTROL_BUTTON, 0, false, buf,
                                   sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_log_decision(p, &s, T0, SAMTYKKE_ACTION_SAVE, 1, SAMTYKKE_CONTROL_BUTTON, 1u << 30, false,
                                   buf, sizeof buf, &len), SAMTYKKE_RESULT_UNKNOWN_NAME);
    /* The event's checks: no line the audit would refuse (notice 0, a signal
       as the control). */
    CHECK_RC(samtykke_log_decision(p, &s, T0, SAMTYKKE_ACTION_ACCEPT_ALL, 0, SAMTYKKE_CONTROL_BUTTON, 0, false,
                                   buf, sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_log_decision(p, &s, T0, SAMTYKKE_ACTION_ACCEPT_ALL, 1, SAMTYKKE_CONTROL_SIGNAL, 0, false,
                                   buf, sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);

    char record[512];
    size_t record_len = 0;
    CHECK_RC(samtykke_proof_to_json(p, &proof, record, sizeof record - 2, &record_len), SAMTYKKE_RESULT_OK);
    memcpy(record + record_len, "\n", 2);
    size_t removed = 99;
    CHECK_RC(samtykke_proofs_retain(p, record, record_len + 1, T0 + DAY, buf, sizeof buf, &len, &removed),
             SAMTYKKE_RESULT_OK);
    CHECK(removed == 0 && len == record_len + 1);
    CHECK_RC(samtykke_proofs_retain(p, record, record_len + 1, T0 + 20 * 365 * DAY, buf, sizeof buf, &len,
                                    &removed), SAMTYKKE_RESULT_OK);
    CHECK(removed == 1 && len == 0);
    /* A line that is not UTF-8 is kept as it is; the record after it goes. */
    static const char foreign[] = "\xff\xfe not UTF-8\n";
    char mixed[sizeof foreign + sizeof record];
    memcpy(mixed, foreign, sizeof foreign - 1);
    memcpy(mixed + sizeof foreign - 1, record, record_len + 1);
    CHECK_RC(samtykke_proofs_retain(p, mixed, sizeof foreign - 1 + record_len + 1, T0 + 20 * 365 * DAY, buf,
                                    sizeof buf, &len, &removed), SAMTYKKE_RESULT_OK);
    CHECK(removed == 1 && len == sizeof foreign - 1 && memcmp(buf, foreign, len) == 0);
    CHECK_RC(samtykke_proofs_retain(NULL, record, record_len, T0, buf, sizeof buf, &len, NULL),
             SAMTYKKE_RESULT_NULL_ARGUMENT);
    samtykke_policy_free(p);
}

/* Whether the `len` bytes at `text` hold `needle`. */
static bool span_has(const char *text, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(text + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/* The number of lines of `text` (length `len`) that start with `tag` and a space. */
static size_t tagged(const char *text, size_t len, char tag) {
    size_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && text[i] == tag && text[i + 1] == ' ') {
            n++;
        }
    }
    return n;
}

/* Whether `text` has the line `tag` + space + `line`. */
static bool has_line(const char *text, size_t len, char tag, const char *line) {
    size_t n = strlen(line);
    for (size_t i = 0; i + n + 2 <= len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && text[i] == tag && text[i + 1] == ' ' &&
            memcmp(text + i + 2, line, n) == 0 && (i + 2 + n == len || text[i + 2 + n] == '\n')) {
            return true;
        }
    }
    return false;
}

/* samtykke_state_respond: a response's cookies in one call (SPEC §15), for PHP
 * hosts where every call costs. */
static void test_respond(void) {
    samtykke_policy *p = load(policy_json, policy_json_len);
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 16, &s);
    static char buf[8192];
    size_t len = 0;
    const char sent[] = "SESSabc=1; Path=/\nnmstat=1; Max-Age=86400000; Path=/\r\n\nsamtykke=forged; Path=/\n"
                        "\xff\xfe=1\nnot a cookie";
    const char cookies[] = "nmstat=old; SESSx=2";

    /* A new visitor: only the necessary cookie leaves; the forged consent cookie,
     * the line that is not UTF-8 and the unparsable one are dropped; the present
     * nmstat is deleted; no consent cookie (nothing was decided). */
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, S("127.0.0.1:8080"), false, S(cookies), S(sent),
                                    T0, SAMTYKKE_RESPOND_FLAG_LOG, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(has_line(buf, len, 'H', "SESSabc=1; Path=/"));
    CHECK(has_line(buf, len, 'P', "{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"10171e252c333a41484f565d646b7279\","
                                  "\"event\":\"cookie_present\",\"cookies\":[\"nmstat\",\"SESSx\"]}"));
    CHECK(has_line(buf, len, 'C', "{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"10171e252c333a41484f565d646b7279\","
                                  "\"event\":\"cookie_set\",\"cookie\":\"SESSabc\"}"));
    size_t headers = tagged(buf, len, 'H');
    CHECK(headers >= 2 && tagged(buf, len, 'C') == headers && tagged(buf, len, 'P') == 1);
    size_t deletions = 0;
    for (size_t i = 0; i + 9 < len; i++) {
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "H nmstat=", 9) == 0) {
            const char *end = memchr(buf + i, '\n', len - i);
            CHECK(end != NULL && span_has(buf + i, (size_t)(end - (buf + i)), "Max-Age=0"));
            deletions++;
        }
        CHECK(!((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "H samtykke=", 11) == 0));
    }
    CHECK(deletions == headers - 1);
    CHECK(strstr(buf, "forged") == NULL);
    /* The order: P, then the headers, then their log lines, then the script. */
    CHECK(buf[0] == 'P' && buf[len - 1] == '\n');

    /* Without the log flag: headers only. */
    size_t logged = len;
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, S("127.0.0.1:8080"), false, S(cookies), S(sent),
                                    T0, 0, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(len < logged && tagged(buf, len, 'H') == headers && tagged(buf, len, 'P') == 0 &&
          tagged(buf, len, 'C') == 0);
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, S("127.0.0.1:8080"), false, S(cookies), S(sent),
                                    T0, 0, buf, 4, &len), SAMTYKKE_RESULT_BUFFER_TOO_SMALL);

    /* Statistics granted this request: nmstat leaves, clamped to the consent's
     * 100 days; the consent cookie is issued (the state differs from the one
     * the request arrived with), host-only on 127.0.0.1 and Secure when asked. */
    samtykke_state before = s;
    samtykke_proof proof;
    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0, 1, SAMTYKKE_CONTROL_TOGGLE, false,
                                 &proof), SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_respond(p, &s, &before, KEY, sizeof KEY, S("127.0.0.1:8080"), true, S(cookies),
                                    S(sent), T0, 0, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(has_line(buf, len, 'H', "nmstat=1; Max-Age=8640000; Path=/"));
    size_t consent = 0;
    for (size_t i = 0; i + 14 < len; i++) {
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "H samtykke=v1.", 14) == 0) {
            const char *end = memchr(buf + i, '\n', len - i);
            CHECK(end != NULL && span_has(buf + i, (size_t)(end - (buf + i)), "; Secure") &&
                  !span_has(buf + i, (size_t)(end - (buf + i)), "Domain="));
            consent++;
        }
    }
    CHECK(consent == 1);
    CHECK(!has_line(buf, len, 'H', "nmstat=; Max-Age=0"));

    /* The same state as it arrived: no consent cookie, unless REISSUE says an
     * event of this request changed it. */
    CHECK_RC(samtykke_state_respond(p, &s, &s, KEY, sizeof KEY, S("www.kk.dk"), false, S(""), S(""), T0, 0, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(tagged(buf, len, 'H') == 0);
    CHECK_RC(samtykke_state_respond(p, &s, &s, KEY, sizeof KEY, S("www.kk.dk"), false, S(""), S(""), T0,
                                    SAMTYKKE_RESPOND_FLAG_REISSUE, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
    CHECK(tagged(buf, len, 'H') == 1 && memcmp(buf, "H samtykke=v1.", 14) == 0 &&
          span_has(buf, len, "; Domain=kk.dk\n"));

    /* With a local-storage declaration of statistics (siteimprove_*), a refusal
     * gives the page the script that clears it; a grant gives none. */
    char *with_storage = replaced(
        policy_json, "\"storage\": [",
        "\"storage\": [{\"name\": \"siteimprove_*\", \"kind\": \"local_storage\", "
        "\"provider\": \"siteimprove\", \"category\": \"statistics\", "
        "\"purpose\": {\"en\": \"Statistics\", \"da\": \"Statistik\"}, \"duration\": \"session\"},");
    samtykke_policy *q = with_storage ? load(with_storage, strlen(with_storage)) : NULL;
    CHECK(q != NULL);
    if (q != NULL) {
        samtykke_state t;
        new_state(q, 3, &t);
        CHECK_RC(samtykke_state_accept_all(q, &t, T0, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL), SAMTYKKE_RESULT_OK);
        CHECK_RC(samtykke_state_respond(q, &t, &t, KEY, sizeof KEY, S("www.kk.dk"), false, S(""), S(""), T0, 0,
                                        buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
        CHECK(len == 0);
        CHECK_RC(samtykke_state_reject_all(q, &t, T0 + 60, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL),
                 SAMTYKKE_RESULT_OK);
        CHECK_RC(samtykke_state_respond(q, &t, &t, KEY, sizeof KEY, S("www.kk.dk"), false, S(""), S(""), T0 + 60,
                                        0, buf, sizeof buf, &len), SAMTYKKE_RESULT_OK);
        CHECK(tagged(buf, len, 'S') == 1 && len > 10 && memcmp(buf, "S <script>", 10) == 0 &&
              span_has(buf, len, "[[\"local_storage\",\"siteimprove_*\"]]") &&
              memcmp(buf + len - 10, "</script>\n", 10) == 0);
        samtykke_policy_free(q);
    }
    free(with_storage);

    /* Bad arguments. */
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, S("kk.dk"), false, S(""), S(""), T0, 4, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_INVALID_ARGUMENT);
    CHECK_RC(samtykke_state_respond(p, NULL, NULL, KEY, sizeof KEY, S("kk.dk"), false, S(""), S(""), T0, 0, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, NULL, 0, false, S(""), S(""), T0, 0, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_respond(p, &s, NULL, KEY, sizeof KEY, S("\xff"), false, S(""), S(""), T0, 0, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_INVALID_UTF8);
    samtykke_state broken = s;
    memset(&broken, 0xA5, sizeof broken);
    CHECK_RC(samtykke_state_respond(p, &s, &broken, KEY, sizeof KEY, S("kk.dk"), false, S(""), S(""), T0, 0, buf,
                                    sizeof buf, &len), SAMTYKKE_RESULT_STATE_INVALID);
    samtykke_policy_free(p);
}

/* SPEC §16: the Consent Mode scripts a page's head starts with: the default
 * (only the exempt type granted, wait_for_update) and the update from the state;
 * a CSP nonce on both; nothing for a policy without a mapping. */
static void test_consent_mode_scripts(void) {
    samtykke_policy *p = load_with_consent_mode("\"analytics_storage\": \"statistics\", "
                                                "\"security_storage\": \"necessary\"");
    samtykke_state s;
    new_state(p, 16, &s);
    CHECK_RC(samtykke_state_accept_all(p, &s, T0, 1, SAMTYKKE_CONTROL_BUTTON, false, NULL),
             SAMTYKKE_RESULT_OK);
    static char buf[4096];
    size_t len = 0;
    CHECK_RC(samtykke_state_consent_mode_scripts(p, &s, T0, NULL, 0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_OK);
    const char *def = "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
                      "gtag('consent','default',{'ad_storage':'denied','ad_user_data':'denied',"
                      "'ad_personalization':'denied','analytics_storage':'denied',"
                      "'functionality_storage':'denied','personalization_storage':'denied',"
                      "'security_storage':'granted','wait_for_update':500});</script>";
    CHECK(len > strlen(def) && memcmp(buf, def, strlen(def)) == 0);
    CHECK(span_has(buf, len, "gtag('consent','update',{'ad_storage':'denied','ad_user_data':'denied',"
                             "'ad_personalization':'denied','analytics_storage':'granted',"));
    /* A nonce on both elements; one with a quote is refused. */
    CHECK_RC(samtykke_state_consent_mode_scripts(p, &s, T0, S("r4nd0m+/="), buf, sizeof buf, &len),
             SAMTYKKE_RESULT_OK);
    CHECK(len > 26 && memcmp(buf, "<script nonce=\"r4nd0m+/=\">", 26) == 0);
    size_t nonces = 0;
    for (size_t i = 0; i + 14 < len; i++) {
        nonces += memcmp(buf + i, "<script nonce=", 14) == 0;
    }
    CHECK(nonces == 2);
    CHECK_RC(samtykke_state_consent_mode_scripts(p, &s, T0, S("a\"b"), buf, sizeof buf, &len),
             SAMTYKKE_RESULT_INVALID_ARGUMENT);
    /* Too small: the length needed. */
    size_t need = 0;
    CHECK_RC(samtykke_state_consent_mode_scripts(p, &s, T0, NULL, 0, buf, 10, &need),
             SAMTYKKE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need > 10);
    samtykke_policy_free(p);
    /* The kk.dk policy maps no type: nothing. */
    p = load(policy_json, policy_json_len);
    new_state(p, 16, &s);
    len = 99;
    CHECK_RC(samtykke_state_consent_mode_scripts(p, &s, T0, NULL, 0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_OK);
    CHECK(len == 0);
    CHECK_RC(samtykke_state_consent_mode_scripts(NULL, &s, T0, NULL, 0, buf, sizeof buf, &len),
             SAMTYKKE_RESULT_NULL_ARGUMENT);
    samtykke_policy_free(p);
}

/* What a state records, for a settings page or a host's own records: the id it
 * was made with, the last decision's time, revision, action, control and notice,
 * a kept partial refusal, and the first lapse; the same after the cookie's round
 * trip. */
static void test_state_describe(void) {
    samtykke_policy *p = kk();
    CHECK(p != NULL);
    samtykke_state s;
    new_state(p, 1, &s);
    samtykke_state_info info;
    memset(&info, 0xAB, sizeof info);
    CHECK_RC(samtykke_state_describe(p, &s, &info), SAMTYKKE_RESULT_OK);
    for (size_t i = 0; i < SAMTYKKE_CONSENT_ID_LEN; i++) {
        CHECK(info.consent_id[i] == (uint8_t)(1 + i * 7));
    }
    /* A new visitor: nothing recorded, every value 0. */
    CHECK(!info.decided && info.decided_at == 0 && info.revision == 0);
    CHECK(!info.partial_refusal && info.partial_refusal_at == 0);
    CHECK(!info.has_action && info.action == 0 && info.control == 0 && info.notice_version == 0);
    CHECK(!info.gpc && !info.expires && info.expires_at == 0);

    CHECK_RC(samtykke_state_save(p, &s, category(p, "statistics"), NULL, T0 + 10, 1,
                                 SAMTYKKE_CONTROL_TOGGLE, false, NULL),
             SAMTYKKE_RESULT_OK);
    CHECK_RC(samtykke_state_describe(p, &s, &info), SAMTYKKE_RESULT_OK);
    CHECK(info.decided && info.decided_at == T0 + 10 && info.revision == 1);
    CHECK(!info.partial_refusal && info.partial_refusal_at == 0);
    CHECK(info.has_action && info.action == SAMTYKKE_ACTION_SAVE);
    CHECK(info.control == SAMTYKKE_CONTROL_TOGGLE && info.notice_version == 1 && !info.gpc);
    /* kk.dk keeps a decision 100 days (consent_ttl_days). */
    CHECK(info.expires && info.expires_at == T0 + 10 + 100 * 86400);

    bool recorded = false;
    CHECK_RC(samtykke_state_withdraw(p, &s, category(p, "statistics"), T0 + 20, 1,
                                     SAMTYKKE_CONTROL_LINK, false, NULL, &recorded),
             SAMTYKKE_RESULT_OK);
    CHECK(recorded);
    CHECK_RC(samtykke_state_describe(p, &s, &info), SAMTYKKE_RESULT_OK);
    CHECK(info.decided && info.decided_at == T0 + 10); /* the full decision stays */
    CHECK(info.partial_refusal && info.partial_refusal_at == T0 + 20);
    CHECK(info.action == SAMTYKKE_ACTION_WITHDRAW && info.control == SAMTYKKE_CONTROL_LINK);
    CHECK(info.expires && info.expires_at == T0 + 10 + 100 * 86400);

    /* Read back from the cookie, the record is the same. */
    char cookie[SAMTYKKE_COOKIE_MAX_LEN];
    size_t cookie_len = 0;
    CHECK_RC(samtykke_state_to_cookie(p, &s, KEY, sizeof KEY, cookie, sizeof cookie, &cookie_len),
             SAMTYKKE_RESULT_OK);
    samtykke_state back;
    CHECK_RC(samtykke_state_from_cookie(p, cookie, cookie_len, KEY, sizeof KEY, &back),
             SAMTYKKE_RESULT_OK);
    samtykke_state_info again;
    memset(&again, 0, sizeof again);
    CHECK_RC(samtykke_state_describe(p, &back, &again), SAMTYKKE_RESULT_OK);
    CHECK(memcmp(again.consent_id, info.consent_id, sizeof info.consent_id) == 0);
    CHECK(again.decided_at == info.decided_at && again.partial_refusal_at == info.partial_refusal_at);
    CHECK(again.action == info.action && again.control == info.control);
    CHECK(again.expires_at == info.expires_at && again.revision == info.revision);

    /* NULL arguments and bytes that are not a state: an error code, nothing written. */
    samtykke_state_info untouched;
    memset(&untouched, 0x5A, sizeof untouched);
    samtykke_state_info out = untouched;
    CHECK_RC(samtykke_state_describe(NULL, &s, &out), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_describe(p, NULL, &out), SAMTYKKE_RESULT_NULL_ARGUMENT);
    CHECK_RC(samtykke_state_describe(p, &s, NULL), SAMTYKKE_RESULT_NULL_ARGUMENT);
    samtykke_state garbage;
    memset(&garbage, 0, sizeof garbage);
    CHECK_RC(samtykke_state_describe(p, &garbage, &out), SAMTYKKE_RESULT_STATE_INVALID);
    CHECK(memcmp(&out, &untouched, sizeof out) == 0);
    samtykke_policy_free(p);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s POLICY.json\n", argv[0]);
        return 2;
    }
    policy_json = read_file(argv[1], &policy_json_len);
    if (policy_json == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    /* The text must also be a C string for replaced(). */
    char *z = realloc(policy_json, policy_json_len + 1);
    if (z == NULL) {
        free(policy_json);
        return 2;
    }
    policy_json = z;
    policy_json[policy_json_len] = '\0';

    static const struct test tests[] = {
        {"version_and_messages", test_version_and_messages},
        {"lint_and_consent_cookie", test_lint_and_consent_cookie},
        {"respond", test_respond},
        {"declaration", test_declaration},
        {"notice_words", test_notice_words},
        {"whole_visit_kk_dk", test_whole_visit_kk_dk},
        {"gpc_signal_refuses_and_never_grants", test_gpc_signal_refuses_and_never_grants},
        {"deletion_plan_headers_storage_keys_and_undeletable",
         test_deletion_plan_headers_storage_keys_and_undeletable},
        {"null_arguments", test_null_arguments},
        {"garbage_and_truncated_cookies", test_garbage_and_truncated_cookies},
        {"garbage_and_truncated_policies", test_garbage_and_truncated_policies},
        {"garbage_states", test_garbage_states},
        {"too_small_buffers", test_too_small_buffers},
        {"out_of_range_arguments", test_out_of_range_arguments},
        {"one_policy_many_threads", test_one_policy_many_threads},
        {"consent_mode_flags", test_consent_mode_flags},
        {"consent_mode_scripts", test_consent_mode_scripts},
        {"tcf_and_gpp_strings", test_tcf_and_gpp_strings},
        {"site_keys", test_site_keys},
        {"server_side_enforcement", test_server_side_enforcement},
        {"state_describe", test_state_describe},
    };
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        failures = 0;
        tests[i].run();
        if (failures == 0) {
            passed++;
            printf("ok     %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAILED %s (%d checks)\n", tests[i].name, failures);
        }
    }
    free(policy_json);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
