/*
 * A visit to kk.dk as a C host (a CMS plugin, a web server module) sees it,
 * through libsamtykke.
 *
 *     make install PREFIX=$HOME/.local
 *     export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
 *     cc -std=c11 visit.c -o visit $(pkg-config --cflags --libs samtykke)
 *     LD_LIBRARY_PATH=$HOME/.local/lib ./visit ../kk.dk.policy.json
 *
 * The regions between the snippet markers are shown in README.md, ffi/README.md and
 * docs/c.md; scripts/readme-snippets checks that they stay the same.
 */
#include <samtykke.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file at `path` (a policy is well under 1 MiB), or NULL with errno
 * set: a file that cannot be read (a directory: EISDIR) or is larger (EFBIG). */
static char *read_file(const char *path, size_t *len) {
    enum { MAX = 1 << 20 };
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = malloc(MAX + 1);
    *len = buf ? fread(buf, 1, MAX + 1, f) : 0;
    int failed = buf == NULL ? ENOMEM : ferror(f) ? (errno ? errno : EIO) : *len > MAX ? EFBIG : 0;
    fclose(f);
    if (failed) {
        free(buf);
        errno = failed;
        return NULL;
    }
    return buf;
}

/* Exits with the library's explanation when a call fails. */
static void ok(samtykke_result rc, const char *what) {
    if (rc != SAMTYKKE_RESULT_OK) {
        fprintf(stderr, "%s: %s (%u)\n", what, samtykke_result_message(rc), (unsigned)rc);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s POLICY.json\n", argv[0]);
        return 2;
    }
    size_t json_len = 0;
    char *json = read_file(argv[1], &json_len);
    if (json == NULL) {
        fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], argv[1], strerror(errno));
        return 2;
    }
    const int64_t now = 1772359200; /* 2026-03-01T10:00:00Z; a host uses time(NULL) */
    static const uint8_t site_key[32] = "the site's secret key, 32 bytes";

    /* snippet visit: begin */
    /* snippet first-request: begin */
    /* Once, at start-up: the policy, shared by every thread. */
    samtykke_policy *policy = NULL;
    if (samtykke_policy_from_json(json, json_len, &policy) != SAMTYKKE_RESULT_OK) {
        char path[256], message[512];
        size_t path_len = 0, message_len = 0;
        uint32_t code = 0;
        ok(samtykke_policy_explain_error(json, json_len, &code, path, sizeof path, &path_len,
                                         message, sizeof message, &message_len),
           "explain");
        /* storage[3].duration: ... */
        fprintf(stderr, "policy: %.*s: %.*s\n", (int)path_len, path, (int)message_len, message);
        return 1;
    }

    /* A first request: no consent cookie yet, so a new visitor (nothing granted). */
    uint8_t consent_id[SAMTYKKE_CONSENT_ID_LEN] = {0x5a, 0x17}; /* use getrandom(2) */
    samtykke_state state;
    ok(samtykke_state_init(policy, consent_id, sizeof consent_id, &state), "init");
    bool due = false;
    ok(samtykke_state_prompt_due(policy, &state, now, &due), "prompt_due");
    printf("show the banner: %s\n", due ? "yes" : "no");
    /* snippet first-request: end */

    /* The visitor saves "statistics" in the settings layer (notice version 1). */
    uint32_t statistics = 0;
    ok(samtykke_policy_category_bit(policy, "statistics", strlen("statistics"), &statistics),
       "category_bit");
    samtykke_proof proof;
    ok(samtykke_state_save(policy, &state, statistics, NULL, now, 1, SAMTYKKE_CONTROL_TOGGLE, false,
                           &proof),
       "save");
    char line[1024];
    size_t n = 0;
    ok(samtykke_proof_to_json(policy, &proof, line, sizeof line, &n), "proof");
    printf("proof record: %.*s\n", (int)n, line);

    /* The state goes back to the browser in the signed consent cookie. */
    char cookie[SAMTYKKE_COOKIE_MAX_LEN];
    ok(samtykke_state_to_cookie(policy, &state, site_key, sizeof site_key, cookie, sizeof cookie,
                                &n),
       "to_cookie");
    /* Its Set-Cookie as the library writes it: HttpOnly, SameSite=Lax, Secure
     * over HTTPS, the policy's Domain only on a host under it. */
    char set_cookie[512];
    size_t set_len = 0;
    const char *host = "www.kk.dk";
    ok(samtykke_state_consent_set_cookie(policy, &state, site_key, sizeof site_key, host,
                                         strlen(host), true, set_cookie, sizeof set_cookie,
                                         &set_len),
       "consent_set_cookie");
    printf("Set-Cookie: %.*s\n", (int)set_len, set_cookie);
    samtykke_consent_cookie cc;
    ok(samtykke_policy_consent_cookie(policy, &cc), "consent_cookie");

    /* A later request: the state arrives in the raw Cookie header (the first
     * consent cookie that verifies under a key; a new visitor when none does). */
    char header[512];
    snprintf(header, sizeof header, "SESSabc=1; %s=%.*s; nmstat=42", cc.name, (int)n, cookie);
    const uint8_t *keys[] = {site_key};
    const size_t key_lens[] = {sizeof site_key};
    bool found = false;
    ok(samtykke_state_from_cookie_header(policy, header, strlen(header), keys, key_lens, 1, &state,
                                         NULL, &found),
       "state_from_cookie_header");
    if (!found) {
        ok(samtykke_state_init(policy, consent_id, sizeof consent_id, &state), "init");
    }

    /* Which of the page's cookies may be set? */
    const char *names[] = {"SESSabc", "nmstat", "JSESSIONID", "_ga"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        samtykke_permit p;
        ok(samtykke_state_permits(policy, &state, SAMTYKKE_KIND_COOKIE, names[i],
                                  strlen(names[i]), now, &p),
           "permits");
        printf("%-10s %s\n", names[i],
               p.allowed ? "allowed" : !p.declared ? "denied: undeclared" : "denied");
    }

    /* The visitor withdraws: statistics stop, and nmstat is deleted. */
    ok(samtykke_state_withdraw_all(policy, &state, now + 60, 1, SAMTYKKE_CONTROL_LINK, false,
                                   &proof, NULL),
       "withdraw_all");
    samtykke_plan *plan = NULL;
    ok(samtykke_state_deletion_plan(policy, &state, "www.kk.dk", strlen("www.kk.dk"), header,
                                    strlen(header), now + 60, &plan),
       "deletion_plan");
    samtykke_plan_counts counts;
    ok(samtykke_plan_count(plan, &counts), "plan_count");
    for (size_t i = 0; i < counts.set_cookie; i++) {
        const char *h = NULL;
        ok(samtykke_plan_set_cookie(plan, i, &h, &n), "plan_set_cookie");
        printf("Set-Cookie: %.*s\n", (int)n, h);
    }
    for (size_t i = 0; i < counts.storage_keys; i++) { /* for the page script */
        samtykke_storage_key k;
        ok(samtykke_plan_storage_key(plan, i, &k), "plan_storage_key");
        printf("clear storage key: %.*s\n", (int)k.key_len, k.key);
    }
    for (size_t i = 0; i < counts.undeletable; i++) { /* reported, not dropped */
        samtykke_undeletable u;
        ok(samtykke_plan_undeletable(plan, i, &u), "plan_undeletable");
        printf("cannot delete %.*s here: %.*s\n", (int)u.name_len, u.name, (int)u.reason_len,
               u.reason);
    }
    samtykke_plan_free(plan);
    samtykke_policy_free(policy);
    /* snippet visit: end */

    free(json);
    return 0;
}
