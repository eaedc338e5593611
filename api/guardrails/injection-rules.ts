/**
 * The input rail's pattern layer: rules for prompt injection and jailbreak attempts, each a regular expression
 * over the normalised views of the text (deobfuscate.ts) with a weight. A rule that fires in a view other than
 * `plain` is recorded with the view as suffix (`override@base64`), so the reason says how the attack was hidden.
 *
 * The rules are written from the attack families (instruction override, prompt extraction, persona and
 * "mode" jailbreaks, forged system/delimiter text, authority claims, disabling safety, output forcing, data
 * exfiltration, harmful how-to) and kept narrow where customers' own words overlap: "cancel my order", "remove
 * the restrictions on my card", "forgot my password", "show me all my transactions" and a customer's name Dan do
 * not fire. A weight of 1 blocks alone; lighter rules need a second signal (another rule, the exemplar layer).
 */

export interface InjectionRule {
  id: string;
  re: RegExp;
  weight: number;
  description: string;
}

/** Up to `n` words between two parts of a rule. */
const gap = (n: number) => `(?:\\s+\\S+){0,${n}}?\\s+`;
const w = (s: string) => `(?:${s})`;

const OVERRIDE_VERB = w("ignore|ignoring|disregard|disregarding|forget|forgetting|skip|bypass|bypassing|override|overriding|overrule|abandon|discard|neglect|set aside|throw out|put aside|stop following|quit following|don'?t follow|do not follow|no longer follow|pay no attention to|never mind|nevermind");
const RULE_NOUN = w("instructions?|rules?|prompts?|directives?|guidelines?|guardrails?|restrictions?|polic(?:y|ies)|constraints?|programming|training|filters?|safeguards?|system message|commands?|directions|context|guidance|protocols?|boundaries|limitations|principles|conditioning|setup|configuration");
const PRIOR = w("previous|prior|above|earlier|preceding|initial|original|old|former|existing|system|default|your|all|any|the|these|those|my|of|every|other");

const RULES: InjectionRule[] = [
  {
    id: "override",
    re: new RegExp(`\\b${OVERRIDE_VERB}${gap(5)}${RULE_NOUN}\\b`),
    weight: 1,
    description: "asks to ignore or replace the assistant's instructions",
  },
  {
    id: "override",
    re: new RegExp(`\\b${OVERRIDE_VERB}\\s+(?:${PRIOR}\\s+){0,3}(?:everything|all of (?:it|that|this)|what (?:you were|you'?ve been|you have been|i) (?:told|said|given)|the above|everything (?:above|before|said)|that)\\b(?!\\s+(?:order|item|email|message|payment|transfer))`),
    weight: 0.6,
    description: "asks to forget what came before",
  },
  {
    id: "override",
    re: new RegExp(`\\b(?:${PRIOR}\\s+){1,3}${RULE_NOUN}\\s+(?:are|is|were|have been|has been)\\s+(?:now\\s+)?(?:void|fake|wrong|outdated|cancell?ed|obsolete|no longer (?:valid|apply|applicable|in effect)|null|invalid|revoked|superseded|lifted|suspended|replaced|over|irrelevant|deprecated)\\b`),
    weight: 1,
    description: "declares the assistant's instructions void",
  },
  {
    id: "override",
    re: /\b(?:reset|wipe|clear|erase|delete|flush)\s+(?:your|all|the)?\s*(?:previous\s+|prior\s+)?(?:instructions|rules|memory|context|programming|guidelines|system prompt|conditioning)\b/,
    weight: 1,
    description: "asks to reset its instructions",
  },
  {
    id: "override",
    re: /\b(?:instead|rather)\b.{0,40}\b(?:follow|obey|listen to|do)\s+(?:my|these|the following|this)\s+(?:new\s+)?(?:instructions|commands|orders|rules|directions)\b|\b(?:follow|obey)\s+(?:my|these|the following|only my)\s+(?:new\s+)?(?:instructions|commands|orders|rules)\s+(?:instead|only|from now on|now)\b/,
    weight: 1,
    description: "asks to follow new instructions instead",
  },
  {
    id: "prompt-extraction",
    re: new RegExp(
      `\\b${w("reveal|show|print|display|output|repeat|recite|tell me|give me|share|leak|dump|expose|spell out|write out|what (?:is|are|was|were)|paste|copy|list|quote|echo|return|send me|provide|disclose|summari[sz]e|translate|read (?:me|back|out)|encode")}${gap(5)}` +
        w(
          "(?:your|the|its) (?:own )?system (?:prompt|message|instructions?)|system prompt|system message|(?:initial|original|hidden|secret|internal|confidential|full|exact|complete|first|starting|underlying|base|pre-?set) (?:prompt|instructions?|system message|directives|rules you)|(?:your|its) (?:instructions|prompt|directives|programming|configuration|guidelines|rules)(?! (?:on|for|about) (?:return|refund|shipping|warrant))|instructions (?:you (?:were|have been) given|above|you (?:got|received)|given to you)|developer (?:message|prompt|instructions)|(?:text|words|message|everything|content|lines?) (?:above|before this|prior to this)|above (?:text|instructions|prompt)|pre-?prompt|canary|hidden (?:text|rules|prompt)|(?:beginning|start) of (?:this|the|our) (?:conversation|chat|prompt|context)|(?:first|opening|initial|earliest) (?:words|lines?|messages?|sentences?|paragraph) (?:of|in) (?:this|the|our) (?:conversation|chat|prompt|context)",
        ) +
        `\\b`,
    ),
    weight: 1,
    description: "asks for the system prompt or hidden instructions",
  },
  {
    id: "prompt-extraction",
    re: /\b(?:repeat|output|print|copy|write)\b.{0,30}\b(?:verbatim|word for word|character for character|exactly as (?:written|given))\b.{0,40}\b(?:above|before|instructions|prompt|you were told)\b|\bstart(?:ing)? (?:your (?:reply|answer|response) )?with\s*["'“]?\s*you are\b/,
    weight: 1,
    description: "asks to repeat the prompt verbatim",
  },
  {
    id: "persona",
    re: new RegExp(
      `\\b${w("you are now|you'?re now|you are no longer|from now on,? you(?:'?re| are| will be)?|act as|acting as|pretend (?:to be|you are|you'?re|that you are)|role-?play as|roleplay as|simulate|imagine (?:you are|you'?re|being)|behave (?:like|as)|become|switch (?:to|into)|enter|enable|activate|turn on|respond as|answer as|you will be|play the role of|take on the role of|stay in character as|transform into")}${gap(7)}` +
        w(
          "dan|jailbr\\w*|unrestricted|unfiltered|uncensored|unlimited|unbound|unchained|unleashed|unmoderated|amoral|immoral|no (?:rules|restrictions|limits|filters|guidelines|morals|ethics|boundaries|limitations)|without (?:any )?(?:rules|restrictions|limits|filters|guidelines|morals|ethics|censorship|boundaries|limitations)|evil|rogue|unaligned|malicious|developer mode|dev mode|god ?mode|admin(?:istrator)? mode|debug mode|sudo mode|maintenance mode|root mode|opposite mode|anything now|an? ai with no|a different ai|another ai|chaos mode|freedom mode|aim\\b|stan\\b|dude\\b",
        ) +
        `\\b`,
    ),
    weight: 1,
    description: "asks the assistant to become a persona without its rules",
  },
  {
    id: "persona",
    re: /\b(?:do anything now|developer mode (?:enabled|on|activated|output)|dan mode|jailbreak(?:ed|ing)? (?:mode|prompt|enabled)|you have been (?:freed|liberated|jailbroken|unlocked)|(?:stay|remain) in character no matter|never break character)\b/,
    weight: 1,
    description: "a named jailbreak",
  },
  {
    id: "persona",
    re: /\b(?:you are|you'?re|you will be|be)\s+(?:now\s+)?(?:a|an|my)\s+(?:\w+\s+){0,2}?(?:rogue|evil|unrestricted|unfiltered|uncensored|jailbroken|malicious|unethical|amoral|lawless|rule-?less|unaligned|unlocked)\s+(?:\w+\s+)?(?:ai|assistant|bot|chatbot|model|llm|version of yourself)\b/,
    weight: 1,
    description: "casts the assistant as an AI without its rules",
  },
  {
    id: "override",
    re: /\b(?:treat|consider|regard|count)\s+(?:everything|all|anything|whatever)\s+(?:(?:said|written|you were told|you have been told)\s+)?(?:before|above|prior|earlier|until now)\b.{0,40}\bas\s+(?:cancell?ed|void|null|invalid|irrelevant|deleted|obsolete|a test|fake|nothing)\b|\b(?:listen|respond|answer|obey)\s+only\s+to\s+(?:me|my\s+(?:instructions|commands|orders))\b/,
    weight: 1,
    description: "declares what came before void",
  },
  {
    id: "override",
    re: /\b(?:ignor(?:a|e|ez|iere|ieren)|olvida|olvide|oublie[rz]?|vergiss|vergessen sie|dimentica|esque[cç]a|negeer|zignoruj)\b.{0,40}\b(?:instrucciones|instructions|anweisungen|istruzioni|instru[cç][oõ]es|instructies|instrukcje|regeln|reglas|r[eè]gles|regole|regras|vorgaben|consignes|indicaciones)\b/,
    weight: 1,
    description: "asks to ignore the instructions (other languages)",
  },
  {
    id: "forged-delimiter",
    re: /(?:^|\s)(?:assistant|ai|bot|chatbot|model)\s*:\s*(?:sure|okay|ok|certainly|of course|absolutely|yes|here is|i will|i'?ll)\b.{0,200}\b(?:user|human|customer)\s*:/,
    weight: 1,
    description: "a forged dialogue with the assistant's part written for it",
  },
  {
    id: "policy-forging",
    re: /\b(?:tell|inform|assure|promise|notify|reply to|respond to|answer)\s+(?:the|all|every|any|other|our|your)?\s*(?:customers?|users?|clients?|everyone|people|visitors|the next (?:customer|user|person))\s+(?:that|they)\b/,
    weight: 1,
    description: "tells the assistant what to say to customers",
  },
  {
    id: "exfiltration",
    re: /\b(?:export|dump|download|extract|send|give|show|print|leak|copy|list|open|query|read)\s+(?:me\s+)?(?:the\s+|your\s+|all\s+)?(?:whole\s+|entire\s+|full\s+|complete\s+)?(?:customer|user|client|member|account)s?\s+(?:database|db|tables?|records|list|data|dump|emails|e-mails|details|information)\b|\b(?:see|access|view|look at|look up|read|get)\s+(?:every|all|other|any)\s+(?:customer|user|client|member|people)'?s?'?\s+(?:orders?|data|details|records|accounts?|information|addresses|emails)\b/,
    weight: 1,
    description: "asks for the customer database or others' records",
  },
  {
    id: "no-rules",
    re: /\b(?:(?:are|is) )?no longer (?:bound|restricted|limited|constrained|governed|held back) by\b|\bfree (?:from|of) (?:your|all|any|the) (?:rules|restrictions|guidelines|programming|constraints|filters|policies|limitations)\b|\b(?:you|assistant|ai) (?:have|has|with) no (?:rules|restrictions|limits|filters|guidelines|limitations|content policy)\b|\b(?:rules|restrictions|policies|guidelines|filters) (?:do not|don't|no longer) apply to (?:you|this|us)\b/,
    weight: 0.8,
    description: "tells the assistant its rules no longer apply",
  },
  {
    id: "forged-delimiter",
    re: /(?:^|[\n.!?]\s*|\s)(?:system|developer|admin|root|assistant)\s*(?:prompt|message|override|note|instruction)?\s*:\s*(?:you|ignore|new|the user|from now|override|reveal|disregard|forget)|\[\s*(?:system|inst|\/inst|admin|developer|sys)\s*\]|<\|?\s*(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\s*\|?>|<<\s*sys\s*>>|#{2,}\s*(?:system|instruction|new instructions?|override)\b|\b(?:new|updated|revised|real|actual|true|secret|additional|priority|important|urgent|hidden) (?:instructions?|rules|system prompt|task|directive|orders?)\s*(?:for (?:the )?(?:ai|assistant|model|bot|you))?\s*:|\bend of (?:the )?(?:system )?(?:prompt|instructions|context|rules)\b|<\/?\s*(?:system|instructions?|prompt|admin)\s*>/,
    weight: 1,
    description: "forged system or instruction text",
  },
  {
    id: "authority",
    re: /\b(?:i am|i'?m|this is|speaking as|message from) (?:your|the|an?) (?:developer|creator|administrator|admin|owner|operator|engineer|programmer|maker|system administrator|sysadmin|security team|ai team|openai|anthropic|head of (?:it|engineering))\b.{0,80}\b(?:override|authori[sz]\w*|permission|grant\w*|unlock\w*|debug\w*|bypass\w*|disable\w*|mode|clearance|access level|test(?:ing)? (?:you|your)|ignore|reveal|command)\b/,
    weight: 1,
    description: "claims authority to change the assistant's rules",
  },
  {
    id: "authority",
    re: /\b(?:admin(?:istrator)?|developer|root|sudo|override|master|debug|maintenance)\s+(?:access|mode|override|command|privileges?|password|code|key)\s*(?:granted|enabled|activated|accepted|unlocked|on|:)/,
    weight: 1,
    description: "a forged privilege grant",
  },
  {
    id: "disable-safety",
    re: /\b(?:disable|disabling|turn(?:ing)? off|deactivate|switch(?:ing)? off|suspend|lift|drop|remove|removing|bypass|bypassing|circumvent|get around|evade|skip|ignore)\s+(?:all\s+|any\s+|your\s+|the\s+|its\s+|of\s+)*(?:safety|filters?|filtering|guardrails?|moderation|content polic(?:y|ies)|censorship|safeguards?|alignment|ethic(?:s|al (?:guidelines|rules|constraints))|safety (?:rules|protocols|measures|settings|checks)|(?:your|its) (?:restrictions|limitations|rules|programming|boundaries))\b/,
    weight: 1,
    description: "asks to switch off the assistant's safety rules",
  },
  {
    id: "output-forcing",
    re: /\b(?:respond|reply|answer|start (?:your|the) (?:answer|reply|response)|begin (?:your|the) (?:answer|reply|response)|end (?:your|the) (?:answer|reply|response))\s+(?:only\s+|just\s+|always\s+)?(?:with|by saying)(?:\s+(?:exactly|only|just))?(?:\s+(?:the following|this|these words|the words?|the phrase|the sentence))?\s*[:"'“]/,
    weight: 1,
    description: "dictates the words of the answer",
  },
  {
    id: "output-forcing",
    re: /\b(?:respond|reply|answer|say|output|write|print|type|begin|start)\s+(?:only\s+|just\s+|exactly\s+|simply\s+)?(?:with|by saying|the words?|the phrase|the following|exactly|verbatim)\s*[:"'“]|\b(?:say|print|output|write|type)\s+["'“](?:i have been |i'?ve been )?(?:pwned|hacked|owned|jailbroken|compromised)\b|\b(?:pwned|pwnd)\b/,
    weight: 0.6,
    description: "dictates the exact answer",
  },
  {
    id: "policy-forging",
    re: /\b(?:say|state|claim|announce|declare|confirm|tell (?:me|them|the customer|customers|the user|everyone)|write|respond|inform (?:me|the customer))\s+(?:that\s+)?(?:the|our|your|its)\s+(?:official\s+)?(?:policy|policies|warranty|return policy|refund policy|terms|guarantee|rules)\s+(?:now\s+)?(?:says?|states?|allows?|gives?|grants?|covers?|is|are|includes?|offers?|permits?|lets?)\b/,
    weight: 0.6,
    description: "asks the assistant to state a policy",
  },
  {
    id: "exfiltration",
    re: /\b(?:list|show|give|send|dump|export|print|reveal|display|leak|output|share|tell me|read out|fetch|retrieve|provide)\s+(?:me\s+)?(?:all|every|each|the (?:full|complete|entire|whole)|other|another|somebody else'?s|someone else'?s|a random)\s+(?:(?:of\s+)?(?:the\s+)?)?(?:customers?|users?|clients?|people|accounts?'?|members?|(?:customer|user|client) (?:data|records|emails|addresses|details|orders|list|database|phone numbers|accounts|information|info)|emails? addresses|passwords?|credentials|api keys?|secret keys?|tokens|database|tables?|records in|env(?:ironment)? variables|internal (?:documents|data|notes))\b/,
    weight: 1,
    description: "asks for other customers' data or secrets",
  },
  {
    id: "exfiltration",
    re: /(?:\bunion\s+(?:all\s+)?select|drop\s+table|select\s+\*\s+from|;\s*--|'\s*or\s+'?1'?\s*=\s*'?1|xp_cmdshell|\$\{jndi:|<script\b|javascript:|onerror\s*=)/,
    weight: 1,
    description: "an injection payload (SQL, script, JNDI)",
  },
  {
    id: "encoded-instruction",
    re: /\b(?:decode|decipher|decrypt|translate|interpret|convert|execute|run|follow|obey|carry out|act on|do what)\b.{0,50}\b(?:base ?64|rot ?13|hex(?:adecimal)?|binary|caesar|cipher|encoded|reversed|backwards|morse|ascii codes?|unicode escapes|the following (?:code|string|message))\b.{0,50}\b(?:follow|obey|execute|do|perform|carry out|act|instructions?|comply|then)\b/,
    weight: 0.6,
    description: "asks to decode and follow hidden text",
  },
  {
    id: "fiction-frame",
    re: /\b(?:hypothetical(?:ly)?|in a (?:fictional )?(?:story|novel|fiction|movie|film|game|play|screenplay|world)|for (?:a|my) (?:novel|story|screenplay|book|script|fiction|research paper)|imagine a (?:world|scenario)|let'?s play a game|thought experiment|purely fictional|as a joke|in minecraft|grandma used to|my (?:late|dead|deceased) grand(?:ma|mother|pa|father))\b.{0,120}\b(?:no (?:rules|restrictions|filters|limits)|without (?:any )?(?:rules|restrictions|filters|limits|censorship)|bypass|ignore (?:your|the|all)|illegal|weapons?|malware|explosives?|bombs?|drugs|napalm|meth|hack(?:ing)? into|steal(?:ing)?|credit card numbers|passwords|system prompt|ransomware|poison)\b/,
    weight: 1,
    description: "a fiction or game frame around a forbidden request",
  },
  {
    id: "harmful-howto",
    re: /\b(?:how (?:do|can|would|could|should) (?:i|you|one|we|someone)|how to|step[- ]by[- ]step|instructions (?:for|to|on)|tell me how|explain how|teach me|show me how|write (?:me )?(?:a|an|some)?|give me (?:a )?(?:guide|recipe|tutorial|code))\b.{0,40}\b(?:(?:make|build|create|synthesi[sz]e|cook)\s+(?:a\s+)?(?:bomb|explosives?|meth|napalm|nerve agent|poison|weapon|gun|drugs)|malware|ransomware|keylogger|computer virus|phishing (?:email|page|site|kit)|hack into|break into (?:someone|an?|the)|steal (?:someone|credit|a |an |the |identit|money|passwords|data)|launder(?:ing)? money|counterfeit|credit card numbers that work|bypass (?:the )?(?:2fa|two[- ]factor|authentication|verification|kyc|fraud (?:checks|detection))|carding|skimm(?:er|ing)|fake (?:id|passport|invoice|receipt)s?)\b/,
    weight: 1,
    description: "asks for harmful instructions",
  },
  {
    id: "obedience",
    re: /\b(?:you (?:must|will|shall) (?:now )?(?:obey|comply)|obey me|(?:you will|you must) (?:do|answer) (?:anything|everything|whatever) i (?:say|ask)|comply with (?:my|the following|these) (?:orders|commands|instructions|demands)|you have no choice but to|you are obligated to (?:answer|comply|obey)|answer (?:every|any) question (?:without|with no) (?:refus|restrict|filter|limit))\w*/,
    weight: 1,
    description: "demands obedience",
  },
  {
    id: "refusal-suppression",
    re: /\b(?:never|don'?t|do not|must not|cannot|can'?t|will not) (?:refuse|decline|say (?:no|you can'?t|sorry|that you cannot)|apologi[sz]e|add (?:warnings|disclaimers)|mention (?:your|any) (?:rules|policies|guidelines|limitations))\b.{0,60}\b(?:any|every|whatever|anything|request|question|answer|response|matter what)\b/,
    weight: 1,
    description: "forbids the assistant to refuse",
  },
];

export interface RuleHit {
  rule: string;
  view: string;
  weight: number;
  /** The matched text in that view (for the reason; never raw PII: rules do not match PII shapes). */
  match: string;
  /** [start, end) in that view's text. */
  span: [number, number];
}

/** Every rule that fires in `text` (one view), at most one hit per rule id. */
export function matchRules(text: string, view = "plain"): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const r of RULES) {
    if (hits.some((h) => h.rule === r.id && h.weight >= r.weight)) continue;
    const m = r.re.exec(text);
    if (!m) continue;
    const hit = { rule: r.id, view, weight: r.weight, match: m[0].trim().slice(0, 120), span: [m.index, m.index + m[0].length] as [number, number] };
    const i = hits.findIndex((h) => h.rule === r.id);
    if (i >= 0) hits[i] = hit;
    else hits.push(hit);
  }
  return hits;
}

export const RULE_IDS = [...new Set(RULES.map((r) => r.id))];
export const ruleDescription = (id: string): string => RULES.find((r) => r.id === id)?.description ?? id;
