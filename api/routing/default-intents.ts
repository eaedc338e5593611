/**
 * The default e-commerce intent set: what a tenant routes by until an admin edits its intents
 * (/v1/admin/intents). The examples are the project's own, written as customers write (short, informal, some
 * misspelt), not taken from any evaluation set. `route` is where a message of the intent goes:
 *   answer: the knowledge base (RAG); tool: a lookup for a verified customer (orders); ticket: a ticket is opened;
 *   handoff: a person takes over; clarify: a question back (greetings and thanks get a short reply asking how to help).
 * A message no intent covers well enough is out of scope and goes to the answer route (the knowledge base declines
 * when it has nothing).
 */
import type { Route } from "../pipeline/stage";

export interface IntentDefinition {
  name: string;
  description: string;
  route: Route;
  examples: string[];
  /** Least cosine to the intent's nearest example for a message to count as this intent (default: the router's). */
  threshold?: number;
  /** What the clarify route says for this intent (a greeting back, a closing line); a generic question when absent. */
  reply?: string;
}

/** The name given to a message no intent covers (it takes the answer route). */
export const OUT_OF_SCOPE = "other";

export const DEFAULT_INTENTS: IntentDefinition[] = [
  {
    name: "order_status",
    description: "Where an order is, whether it shipped, its tracking number or delivery date",
    route: "tool",
    examples: [
      "where is my order",
      "has my package shipped yet",
      "can you track my parcel",
      "when will my order arrive",
      "what is the status of my purchase",
      "my order still hasn't come",
      "I need the tracking number for my delivery",
      "is my stuff on the way",
      "what's happening with the thing I bought last week",
      "my parcel says delivered but I never got it",
      "which courier is bringing my order",
      "how long until my package gets here",
      "did my order go out today",
      "order hasnt arrived yet whats going on",
      "can you check on my delivery",
    ],
  },
  {
    name: "cancel_order",
    description: "Cancel an order that was placed",
    route: "tool",
    examples: [
      "I want to cancel my order",
      "please cancel the purchase I just made",
      "can I still cancel my order",
      "stop my order from shipping",
      "I ordered by mistake, cancel it",
      "how do I cancel an order I placed yesterday",
      "cancel my purchase please",
      "I changed my mind about my order, can you cancel it",
      "is it too late to cancel my order",
      "undo my last order",
    ],
  },
  {
    name: "change_address",
    description: "Change the delivery address of an order",
    route: "tool",
    examples: [
      "I need to change the delivery address on my order",
      "can you send my order to a different address",
      "I moved, update the shipping address for my package",
      "wrong address on my order",
      "change where my order is being delivered",
      "can I redirect my parcel to my work address",
      "I typed the wrong street in my order",
      "update my order's delivery address please",
    ],
  },
  {
    name: "refund",
    description: "Refund policy, refund status and how long refunds take",
    route: "answer",
    examples: [
      "how do I get a refund",
      "when will I get my money back",
      "how long does a refund take to show up on my card",
      "I want a refund",
      "can I get my money back for a damaged item",
      "has my refund been processed",
      "do you refund shipping costs",
      "refund still not received",
      "will I be refunded to my original payment method",
      "what is your refund policy",
    ],
  },
  {
    name: "return",
    description: "Returning or exchanging an item",
    route: "answer",
    examples: [
      "how do I return an item",
      "can I return something I bought",
      "I want to send this back",
      "how many days do I have to return a product",
      "do I need the original box to return it",
      "can I exchange it for a different size",
      "how do I get a return label",
      "can I return an opened product",
      "the item doesn't fit, can I swap it",
      "where do I send my return",
    ],
  },
  {
    name: "shipping",
    description: "Shipping options, costs, times and destinations",
    route: "answer",
    examples: [
      "how much is shipping",
      "do you ship internationally",
      "how long does delivery take",
      "do you offer express delivery",
      "is there free shipping",
      "which countries do you deliver to",
      "can I pick up my order in a store",
      "do you deliver on weekends",
      "what carriers do you use",
      "how fast is standard shipping",
    ],
  },
  {
    name: "payment",
    description: "Payment methods, charges, invoices and failed payments",
    route: "answer",
    examples: [
      "what payment methods do you accept",
      "can I pay with paypal",
      "my card was declined",
      "I was charged twice",
      "can I pay in installments",
      "how do I get an invoice",
      "do you take apple pay",
      "why was my payment rejected",
      "is it safe to pay with my card on your site",
      "there is a charge on my statement I don't recognise",
    ],
  },
  {
    name: "account",
    description: "Signing in, passwords, creating or deleting an account, personal details",
    route: "answer",
    examples: [
      "I forgot my password",
      "how do I create an account",
      "I can't log in",
      "how do I delete my account",
      "change the email on my account",
      "how do I reset my password",
      "my account is locked",
      "can I order without an account",
      "how do I unsubscribe from your emails",
      "update my phone number on my profile",
    ],
  },
  {
    name: "product_question",
    description: "Products: specifications, price, stock, compatibility, warranty, how to use them",
    route: "answer",
    examples: [
      "how much does this laptop cost",
      "is this model in stock",
      "what are the specs of the tablet",
      "does it come with a charger",
      "how long is the warranty on headphones",
      "which laptop has the longest battery life",
      "is the phone waterproof",
      "how do I reset my device to factory settings",
      "my laptop won't turn on",
      "do you sell gaming monitors",
      "what's the difference between the two models",
      "how do I pair the earbuds with my phone",
    ],
  },
  {
    name: "complaint",
    description: "A complaint about the service, a product or an experience, asking for it to be dealt with",
    route: "ticket",
    examples: [
      "I want to make a complaint",
      "this is the worst service I have ever had",
      "I am very unhappy with how my order was handled",
      "your delivery driver was rude to me",
      "I've been waiting for weeks and nobody helps me, this is unacceptable",
      "I want to file a formal complaint",
      "I'm really disappointed with the quality of what I received",
      "nobody answers my emails, I'm fed up",
      "I was promised a call back and never got one",
      "your company keeps ignoring my problem",
      "the item arrived broken and customer service won't help",
      "I'm sick of chasing you about this",
    ],
  },
  {
    name: "create_ticket",
    description: "Asks for a support ticket or case to be opened",
    route: "ticket",
    examples: [
      "please open a support ticket",
      "can you raise a ticket for this",
      "yes, create a case for me",
      "log this as an issue please",
      "I'd like to report a problem with my account",
      "open a ticket so someone can look into it",
      "can you escalate this to your support team",
      "file a support request for me",
    ],
  },
  {
    name: "talk_to_human",
    description: "Asks for a person instead of the assistant",
    route: "handoff",
    examples: [
      "I want to talk to a human",
      "can I speak to a real person",
      "connect me to an agent",
      "let me talk to someone from support",
      "I need a human, not a bot",
      "transfer me to customer service",
      "is there a person I can chat with",
      "get me a representative",
      "agent please",
      "I'd like to speak with a manager",
    ],
  },
  {
    name: "greeting",
    description: "A greeting with no question yet",
    route: "clarify",
    examples: ["hi", "hello", "hey there", "good morning", "hi, anyone there?", "hello, I have a question", "good evening", "yo"],
    reply: "Hello! How can I help you today? You can ask me about orders, delivery, returns, refunds or any of our products.",
  },
  {
    name: "thanks",
    description: "Thanks or a goodbye, closing the conversation",
    route: "clarify",
    examples: ["thanks", "thank you so much", "great, thanks for your help", "that's all, bye", "perfect, cheers", "ok thank you", "thanks, that helped", "goodbye"],
    reply: "You're welcome! Is there anything else I can help you with?",
  },
];
