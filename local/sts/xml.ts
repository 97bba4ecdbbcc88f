import type { StsError } from './errors';

export const stsNamespace = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Elements in document order: a string is a text element, an object nests further elements. */
export interface XmlTree {
  [element: string]: string | XmlTree;
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function render(tree: XmlTree): string {
  return Object.entries(tree)
    .map(
      ([name, value]) => `<${name}>${typeof value === 'string' ? escapeXml(value) : render(value)}</${name}>`,
    )
    .join('');
}

/** `<{Action}Response><{Action}Result>…</{Action}Result><ResponseMetadata>…` as the SDK's AwsQueryProtocol reads it. */
export function resultDocument(action: string, result: XmlTree, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${stsNamespace}">${render({
    [`${action}Result`]: result,
    ResponseMetadata: { RequestId: requestId },
  })}</${action}Response>\n`;
}

export function errorDocument(error: StsError, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${stsNamespace}">${render({
    Error: { Type: error.faultType, Code: error.code, Message: error.message },
    RequestId: requestId,
  })}</ErrorResponse>\n`;
}
