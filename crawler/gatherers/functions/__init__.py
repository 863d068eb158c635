"""Post-crawl gathering of what a site offers (功能设计, 办事服务, 集约化): site search, a phone-size render,
axe-core, DNS/IPv6 and CMS/platform fingerprints. Facts only; rules in checks/function/ judge them."""
