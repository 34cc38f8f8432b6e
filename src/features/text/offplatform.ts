// Cues that a message asks to pay or talk outside the marketplace: payment rails the platform does
// not run, requests to skip its fees, and other messaging apps. Matched against normalised text
// (lowercase, obfuscation undone). Patterns are alternations of fixed phrases with at most optional
// single characters between words: no nested quantifiers, so matching is linear.

export interface Cue {
  /** Short human-readable reason, shown to reviewers. */
  reason: string;
  /** Strength in 0..1; cues combine as independent evidence (see signals.ts). */
  weight: number;
  matches(text: string): boolean;
}

function phrase(reason: string, weight: number, pattern: RegExp): Cue {
  return { reason, weight, matches: (text) => pattern.test(text) };
}

const FRIENDS_AND_FAMILY = /\bfriends? (?:and|&|n) family\b/;
const PAYPAL = /\bpay ?pal\b/;
const WALLET_ADDRESSES = [
  /\b0x[0-9a-f]{40}\b/, // Ethereum and other EVM chains
  /\bbc1[02-9ac-hj-np-z]{25,62}\b/, // Bitcoin bech32
  /\b[13][1-9a-z]{25,34}\b/, // Bitcoin legacy (base58, lowercased here)
  /\bt[1-9a-z]{33}\b/, // Tron (USDT TRC-20)
];

/** Long base58 tokens are addresses only if they mix letters and digits; a long word is not one. */
function hasWalletAddress(text: string): boolean {
  return WALLET_ADDRESSES.some((pattern) => {
    const token = pattern.exec(text)?.[0];
    return token !== undefined && /[a-z]/.test(token.slice(1)) && /\d/.test(token.slice(1));
  });
}

export const OFF_PLATFORM_CUES: readonly Cue[] = [
  phrase(
    'asks to pay by wire or bank transfer',
    0.7,
    /\b(?:wire|bank|swift|sepa) ?transfers?\b|\bwire (?:me|us|it|the (?:money|payment|deposit|funds|rent))\b|\bbank (?:details|account|info)\b|\b(?:swift|bic|sort|routing) (?:code|number)\b|\baccount number\b/,
  ),
  // An IBAN: country code, check digits, then 11–30 letters and digits, in groups of four or not.
  phrase('shares bank account details (IBAN)', 0.85, /\biban\b|\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){3,7}(?: ?[a-z0-9]{1,3})?\b/),
  phrase('asks to pay via Western Union or MoneyGram', 0.85, /\bwestern ?-?union\b|\bmoney ?-?gram\b/),
  phrase(
    'asks to pay in crypto',
    0.7,
    /\b(?:bitcoins?|btc|usdt|usdc|tether|eth|ethereum|litecoin|ltc|crypto|cryptos|cryptocurrency|binance|coinbase|trc20|erc20)\b|\bwallet address\b/,
  ),
  { reason: 'contains a crypto wallet address', weight: 0.9, matches: hasWalletAddress },
  phrase('asks to pay by PayPal', 0.5, PAYPAL),
  {
    // "Friends and family" alone is ordinary ("travelling with friends and family"); it is the
    // PayPal option without buyer protection only next to PayPal, or as the f&f shorthand.
    reason: 'asks for PayPal friends & family',
    weight: 0.8,
    matches: (text) => /\bf ?& ?f\b|\bfnf\b/.test(text) || (FRIENDS_AND_FAMILY.test(text) && PAYPAL.test(text)),
  },
  phrase('asks to pay via Zelle', 0.6, /\bzelle\b/),
  phrase('asks to pay via Venmo', 0.6, /\bvenmo\b/),
  phrase('asks to pay via Cash App', 0.6, /\bcash ?app\b/),
  phrase('asks to pay via Revolut', 0.6, /\brevolut\b/),
  phrase(
    'asks to pay or book outside the platform',
    0.75,
    new RegExp(
      [
        String.raw`\b(?:outside|off) (?:of )?(?:the )?(?:platform|airbnb|vrbo|booking\.com|app|website)\b`,
        String.raw`\boff-platform\b`,
        String.raw`\b(?:avoid|avoiding|skip|bypass|save on|save the|without the|cut out the) (?:the |any |all )?(?:platform |service |booking |airbnb |host |guest |extra |site )?(?:fees?|commissions?|service charges?)\b`,
        // "pay directly through the app" is the opposite request.
        String.raw`\bpay (?:me |us |you )?directly\b(?! (?:through|via|in|on|with) (?:the )?(?:app|platform|airbnb|site|website))`,
        String.raw`\bbook (?:directly|direct) with (?:me|us)\b`,
        String.raw`\bdirect booking\b`,
      ].join('|'),
    ),
  ),
  phrase(
    'asks to be contacted directly',
    0.6,
    /\b(?:contact|reach|email|e-mail|mail|text|call|message|msg|write|ping|dm) (?:me|us) (?:directly|privately|personally|outside)\b|\b(?:my|our) (?:personal|private|direct) (?:email|e-mail|number|phone|contact)\b/,
  ),
  phrase('asks to move to WhatsApp', 0.55, /\bwh[a@4]t'?s ?-?app?\b|\bw[a@4]tsapp\b|\bwa\.me\//),
  phrase('asks to move to Telegram', 0.55, /\btelegram\b|\bt\.me\//),
  // "Signal" is mostly about phone reception; only the app forms count.
  phrase(
    'asks to move to Signal',
    0.55,
    /\b(?:via|through|use|using|download|install|me on|us on|chat on|talk on|continue on) signal\b|\bsignal (?:app|messenger)\b/,
  ),
  phrase('asks to move to another messaging app', 0.5, /\b(?:viber|wechat|kik messenger)\b/),
];
