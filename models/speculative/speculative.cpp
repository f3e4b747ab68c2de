// Speculative sampling over two KV caches. Invariant between steps, with seq the prompt and the
// tokens emitted so far (n of them): the target's cache holds seq[0, n-1) (everything but the last
// token, which the next verification pass feeds), the draft's cache a prefix of seq.
#include "models/speculative/speculative.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace tg::models {

Generation speculative_generate(const GPT& target, const GPT& draft, const std::vector<int64_t>& prompt,
                                int64_t n_new, int64_t gamma, const SamplingOptions& opts, Generator& gen) {
  const GPTConfig& tc = target.config();
  const GPTConfig& dc = draft.config();
  TG_CHECK(dc.vocab == tc.vocab, "speculative_generate: the draft's vocabulary has {} tokens, the target's {}",
           dc.vocab, tc.vocab);
  TG_CHECK(gamma >= 1, "speculative_generate: gamma = {} must be at least 1", gamma);
  check_generation("speculative_generate", prompt, n_new, tc.vocab, std::min(tc.context, dc.context), opts);
  NoGradGuard no_grad;
  GPTCache target_cache(tc), draft_cache(dc);
  const Device device = target.tok_emb->weight.device();
  std::vector<int64_t> seq = prompt;
  Generation out;
  if (seq.size() > 1) target.hidden(token_batch(seq, device, 0, seq.size() - 1), &target_cache);
  const size_t end = prompt.size() + size_t(n_new);
  while (seq.size() < end) {
    const size_t n = seq.size();
    const int64_t g = std::min<int64_t>(gamma, int64_t(end - n) - 1);  // drafts past the end are never emitted
    // draft: feed what it has not seen of seq, then its own proposals, drawing x_j ~ q_j
    std::vector<Distribution> q;
    std::vector<int64_t> drafts;
    if (g > 0) {
      Tensor fed_draft = token_batch(seq, device, size_t(draft_cache.length()), n);
      for (int64_t j = 0; j < g; ++j) {
        if (j > 0) fed_draft = token_batch(drafts, device, size_t(j - 1), size_t(j));
        const Tensor logits = draft.last_logits(draft.hidden(fed_draft, &draft_cache));  // (1, 1, V)
        q.push_back(next_distribution(position_row(logits, 0), opts));
        drafts.push_back(sample_from(q.back(), gen));
        ++out.stats.draft_calls;
      }
    }
    // target: one pass over the last token and the g drafts gives p_1 .. p_{g+1}
    std::vector<int64_t> fed = {seq.back()};
    fed.insert(fed.end(), drafts.begin(), drafts.end());
    Tensor logits = target.forward(token_batch(fed, device), &target_cache);
    ++out.stats.target_calls;
    std::vector<Distribution> p;
    for (int64_t j = 0; j <= g; ++j) p.push_back(next_distribution(position_row(logits, j), opts));
    Verification v = verify_draft(p, q, drafts, gen);
    out.stats.accepted += v.accepted;
    out.stats.tested += std::min<int64_t>(v.accepted + 1, g);
    seq.insert(seq.end(), v.tokens.begin(), v.tokens.end());
    // roll back: the target keeps the last token and the accepted drafts, the draft what it fed of them
    target_cache.truncate(int64_t(n) + v.accepted);
    draft_cache.truncate(std::min(draft_cache.length(), int64_t(n) + v.accepted));
  }
  out.tokens.assign(seq.begin() + int64_t(prompt.size()), seq.end());
  out.stats.new_tokens = int64_t(out.tokens.size());
  return out;
}

}  // namespace tg::models
