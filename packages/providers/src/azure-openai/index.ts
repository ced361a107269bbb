import { AZURE_DEFAULT_API_VERSION } from "../kinds.ts";
import { openAIFormatAdapter } from "../shared/openai-format.ts";

/**
 * Azure OpenAI: OpenAI's wire format addressed by deployment. The route's upstream model is the deployment
 * name; the base URL is the resource endpoint (`https://<resource>.openai.azure.com`); the key goes in the
 * `api-key` header and the API version in the query, which holds nothing secret.
 */
export const azureOpenAIAdapter = openAIFormatAdapter({
  kind: "azure-openai",
  requiresApiKey: true,
  strictOpenAI: true,
  path: (operation, target) =>
    `${target.basePath}/openai/deployments/${encodeURIComponent(target.upstreamModel)}/${operation}` +
    `?api-version=${encodeURIComponent(target.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`,
  auth: (apiKey) => ({ "api-key": apiKey }),
});
