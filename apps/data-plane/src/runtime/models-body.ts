/**
 * `GET /v1/models` in OpenAI's list shape. `created` is 0 because a snapshot carries no creation times, and
 * `owned_by` names the gateway rather than the provider so clients do not learn the routing.
 */
export function openAIModelsBody(sortedAliases: readonly string[]): string {
  const data = sortedAliases.map((id) => ({ id, object: "model", created: 0, owned_by: "switchyard" }));
  return JSON.stringify({ object: "list", data });
}

/**
 * `GET /v1/models` in Anthropic's list shape, for clients that send `anthropic-version` (`@anthropic-ai/sdk`):
 * one page holding every alias (`has_more: false`), the alias as its display name, and the epoch as
 * `created_at` since a snapshot carries no creation times.
 */
export function anthropicModelsBody(sortedAliases: readonly string[]): string {
  const data = sortedAliases.map((id) => ({
    type: "model",
    id,
    display_name: id,
    created_at: "1970-01-01T00:00:00Z",
  }));
  return JSON.stringify({
    data,
    has_more: false,
    first_id: sortedAliases[0] ?? null,
    last_id: sortedAliases.at(-1) ?? null,
  });
}
