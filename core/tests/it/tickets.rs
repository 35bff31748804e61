//! Ticket stories (under construction).
