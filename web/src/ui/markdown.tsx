import MarkdownIt from 'markdown-it';

// Raw HTML is off and markdown-it refuses javascript:, vbscript:, file: and non-image data: links,
// so user-written documentation renders as formatting only, never as markup or script.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const defaultLink =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLink(tokens, idx, options, env, self);
};

/** User-supplied Markdown rendered safely. */
export function Markdown({ text }: { text: string }) {
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: md.render(text) }} />;
}
