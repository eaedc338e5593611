import { expect, test } from "bun:test";
import { detectFormat } from "../loaders";
import { urlFileName } from "./url-file-name";

test("a URL's name: its last segment, else the host; a media type decides when the 'extension' is none of a file's", () => {
  const name = (u: string, mime?: string) => urlFileName(new URL(u), mime);
  expect(name("https://shop.example/help/faq.html", "text/html")).toBe("faq.html");
  expect(name("https://shop.example/manual.pdf", "application/octet-stream")).toBe("manual.pdf");
  expect(name("https://shop.example/about", "text/html")).toBe("about");
  expect(name("https://shop.example/", "text/html")).toBe("shop.example.html");
  expect(name("https://shop.example/index.php", "text/html")).toBe("index.php.html");
  expect(name("https://shop.example/notes/v1.2", "text/plain")).toBe("v1.2.txt");
  expect(name("https://shop.example/a%2Fb%zz")).toBe("a%2Fb%zz"); // a malformed escape stays as sent
  expect(name("https://shop.example/archive.zip", "application/zip")).toBe("archive.zip");
  const html = new TextEncoder().encode("<html><body><p>Hi</p></body></html>");
  expect(detectFormat({ bytes: html, filename: name("https://shop.example/", "text/html"), mimeType: "text/html" })).toBe("html");
});
