/* Drives the session C ABI of a generation artifact (dlopen'ed like a
 * host application would) and prints one line per check; used by
 * session-c-api.test on the fake generation artifact (fake_gen_model.c).
 *   session_driver gen.so */
#include "seqc/Runtime/seqc_runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
  const char *(*last_error)(void);
  int (*is_generator)(void);
  int (*create)(int64_t, int32_t, seqc_session **);
  int (*prefill)(seqc_session *, const int64_t *, int64_t, float *);
  int (*decode)(seqc_session *, const int64_t *, float *);
  int (*reset)(seqc_session *);
  int (*destroy)(seqc_session *);
  int64_t (*length)(const seqc_session *);
  int (*generate)(seqc_session *, const int64_t *, int64_t, int64_t,
                  const seqc_sampling *, int64_t *, int64_t *,
                  int (*)(int64_t, void *), void *);
} api;

static void print_ids(const char *what, const int64_t *ids, int64_t n) {
  printf("%s:", what);
  for (int64_t i = 0; i < n; ++i)
    printf("%s%lld", i ? "," : " ", (long long)ids[i]);
  printf("\n");
}

/* Stops after `*user` tokens. */
static int stop_after(int64_t id, void *user) {
  (void)id;
  return --*(int *)user <= 0;
}

typedef struct {
  int64_t prompt[3];
  int64_t want[12], want_n;
  int ok;
} job;

static void *generate_many(void *p) {
  job *j = p;
  seqc_session *s;
  j->ok = api.create(0, 1, &s) == SEQC_OK;
  for (int r = 0; r < 50 && j->ok; ++r) {
    int64_t out[12] = {0}, n = 0;
    api.reset(s);
    j->ok =
        api.generate(s, j->prompt, 3, 12, NULL, out, &n, NULL, NULL) == SEQC_OK;
    if (r == 0) {
      memcpy(j->want, out, sizeof(out));
      j->want_n = n;
    } else {
      j->ok &= n == j->want_n && memcmp(out, j->want, sizeof(out)) == 0;
    }
  }
  api.destroy(s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
#define BIND(field, name) *(void **)&api.field = dlsym(lib, name)
  BIND(last_error, "seqc_last_error");
  BIND(is_generator, "seqc_is_generator");
  BIND(create, "seqc_session_create");
  BIND(prefill, "seqc_session_prefill");
  BIND(decode, "seqc_session_decode");
  BIND(reset, "seqc_session_reset");
  BIND(destroy, "seqc_session_destroy");
  BIND(length, "seqc_session_length");
  BIND(generate, "seqc_generate");
  printf("generator: %d\n", api.is_generator());

  seqc_session *s;
  if (api.create(0, 1, &s) != SEQC_OK) {
    printf("create: %s\n", api.last_error());
    return 1;
  }
  int64_t prompt[] = {4, 5, 6, 7}, out[16], n;
  api.generate(s, prompt, 4, 8, NULL, out, &n, NULL, NULL);
  print_ids("greedy", out, n);
  printf("length: %lld\n", (long long)api.length(s));

  /* Sampling: the same seed gives the same ids. */
  seqc_sampling p = {1.0f, 4, 0.9f, 42, -2};
  int64_t a[16], b[16], na, nb;
  api.reset(s);
  api.generate(s, prompt, 4, 16, &p, a, &na, NULL, NULL);
  api.reset(s);
  api.generate(s, prompt, 4, 16, &p, b, &nb, NULL, NULL);
  printf("sampled twice equal: %d (%lld ids)\n",
         na == nb && memcmp(a, b, sizeof(int64_t) * (size_t)na) == 0,
         (long long)na);

  /* on_token stops after 3 ids. */
  int left = 3;
  api.reset(s);
  api.generate(s, prompt, 4, 16, NULL, out, &n, stop_after, &left);
  print_ids("stopped", out, n);

  /* prefill + decode by hand, logits of the last token. */
  float logits[16];
  api.reset(s);
  api.prefill(s, prompt, 4, logits);
  int64_t best = 0;
  for (int v = 1; v < 16; ++v)
    best = logits[v] > logits[best] ? v : best;
  api.decode(s, &best, logits);
  printf("manual first id: %lld, length %lld\n", (long long)best,
         (long long)api.length(s));

  /* Errors: message, status, nothing changed. */
  int64_t bad[] = {1, 16};
  int rc = api.prefill(s, bad, 2, logits);
  printf("bad id: %d %s; length %lld\n", rc, api.last_error(),
         (long long)api.length(s));
  int64_t big[40] = {0};
  rc = api.prefill(s, big, 40, NULL);
  printf("too long: %d %s\n", rc, api.last_error());
  api.destroy(s);
  rc = api.decode(s, &best, NULL);
  printf("after destroy: %d %s; length %lld\n", rc, api.last_error(),
         (long long)api.length(s));

  /* Two sessions in two threads, each 50 generations. */
  job jobs[2] = {{{1, 2, 3}, {0}, 0, 0}, {{9, 8, 7}, {0}, 0, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; ++i)
    pthread_create(&t[i], NULL, generate_many, &jobs[i]);
  for (int i = 0; i < 2; ++i)
    pthread_join(t[i], NULL);
  printf("threads ok: %d %d\n", jobs[0].ok, jobs[1].ok);
  return 0;
}
