"""The browser path: Chromium found and launched (`launch`), which pages go to it (`policy`), what
happens inside a rendered page (`settle`, `visibility`) and the synchronous session of the post-crawl
gatherers (`session`)."""
