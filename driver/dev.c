// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * /dev/sidecarN: the user-space interface of a node (sidecar/uapi.h,
 * docs/driver.md) and its sysfs attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include <sidecar/control_ops.h>
#include <sidecar/uapi.h>

#include "sidecar_drv.h"

static int sidecar_open(struct inode *inode, struct file *file)
{
	/* misc_open() left our struct miscdevice here. */
	struct miscdevice *misc = file->private_data;
	struct sidecar_node *node = container_of(misc, struct sidecar_node, misc);
	struct sidecar_file *f;

	f = kvzalloc(struct_size(f, ring, node->cpu_count), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->node = node;
	file->private_data = f;
	return stream_open(inode, file);
}

/*
 * The node index of Linux CPU `arg`, which must be one of the node's. The
 * argument is an int in OpenHCL's user space: only its low 32 bits count.
 */
static int cpu_index(struct sidecar_node *node, unsigned long arg, u32 *i)
{
	u32 cpu = (u32)arg;

	if (cpu < node->base_cpu || cpu - node->base_cpu >= node->cpu_count)
		return -EINVAL;
	*i = cpu - node->base_cpu;
	return 0;
}

/* Whether CPU i left the sidecar; notices a REMOVED the scan has not seen. */
static bool cpu_gone_locked(struct sidecar_node *node, u32 i)
{
	struct sidecar_cpu *c = &node->cpus[i];

	if (!c->gone && sidecar_cpu_status(node->cp, i) == SIDECAR_CPU_STATUS_REMOVED)
		sidecar_node_scan_locked(node);
	return c->gone;
}

/* The errno of an ioctl on a CPU that is gone or being converted. */
static int gone_errno(const struct sidecar_cpu *c)
{
	return c->gone == SC_GONE_LOST ? -EIO : -ENOENT;
}

/*
 * IDLE -> RUN for a command the VMM wrote into CPU i's command page, then
 * the request IPI. The compare-exchange has release ordering: the command
 * page stores this thread made before the ioctl are visible to the CPU
 * before it can see RUN.
 */
static int start_locked(struct sidecar_node *node, struct sidecar_file *f, u32 i, u8 state)
{
	struct sidecar_cpu *c = &node->cpus[i];

	lockdep_assert_held(&node->lock);
	if (cpu_gone_locked(node, i) || c->converting)
		return gone_errno(c);
	if (c->state != SC_CPU_FREE)
		return -EBUSY;
	if (!sidecar_cpu_status_transition(node->cp, i, SIDECAR_CPU_STATUS_IDLE,
					   SIDECAR_CPU_STATUS_RUN))
		return -EBUSY;
	c->state = state;
	c->owner = f;
	c->stopping = false;
	c->nmi_sent = false;
	c->result = SC_RESULT_DONE;
	WRITE_ONCE(c->active, true);
	sidecar_cpu_became_active_locked(node);
	sidecar_send_request(node, i);
	return 0;
}

static long sidecar_ioctl_run(struct sidecar_file *f, unsigned long arg)
{
	struct sidecar_node *node = f->node;
	struct sidecar_cpu *c;
	unsigned long flags;
	bool stopped = false;
	u8 result;
	u32 i;
	int ret;

	ret = cpu_index(node, arg, &i);
	if (ret)
		return ret;
	c = &node->cpus[i];
	spin_lock_irqsave(&node->lock, flags);
	ret = start_locked(node, f, i, SC_CPU_SYNC);
	spin_unlock_irqrestore(&node->lock, flags);
	if (ret)
		return ret;

	if (wait_event_interruptible(c->wq, !READ_ONCE(c->active))) {
		/*
		 * A signal: stop the command, and return only once it ended.
		 * Bounded: the watchdog escalates a STOP that is not answered
		 * and gives the CPU up after the NMI bound (node.c), so this
		 * uninterruptible wait ends within sidecar_stop_bound().
		 */
		spin_lock_irqsave(&node->lock, flags);
		stopped = sidecar_cpu_stop_locked(node, i);
		spin_unlock_irqrestore(&node->lock, flags);
		if (!wait_event_timeout(c->wq, !READ_ONCE(c->active), sidecar_stop_bound())) {
			spin_lock_irqsave(&node->lock, flags);
			sidecar_cpu_expire_locked(node, i);
			spin_unlock_irqrestore(&node->lock, flags);
		}
	}

	spin_lock_irqsave(&node->lock, flags);
	result = c->result;
	c->state = SC_CPU_FREE;
	c->owner = NULL;
	spin_unlock_irqrestore(&node->lock, flags);
	if (result == SC_RESULT_LOST)
		return -EIO;
	if (result == SC_RESULT_GONE)
		return -ENOENT;
	return stopped ? -EINTR : 0;
}

static long sidecar_ioctl_start(struct sidecar_file *f, unsigned long arg)
{
	struct sidecar_node *node = f->node;
	unsigned long flags;
	u32 i;
	int ret;

	ret = cpu_index(node, arg, &i);
	if (ret)
		return ret;
	spin_lock_irqsave(&node->lock, flags);
	ret = start_locked(node, f, i, SC_CPU_ASYNC);
	if (!ret)
		WRITE_ONCE(f->nactive, f->nactive + 1);
	spin_unlock_irqrestore(&node->lock, flags);
	return ret;
}

static long sidecar_ioctl_stop(struct sidecar_file *f, unsigned long arg)
{
	struct sidecar_node *node = f->node;
	struct sidecar_cpu *c;
	unsigned long flags;
	u32 i;
	int ret;

	ret = cpu_index(node, arg, &i);
	if (ret)
		return ret;
	c = &node->cpus[i];
	spin_lock_irqsave(&node->lock, flags);
	if (c->owner == f)
		sidecar_cpu_stop_locked(node, i);	/* running, or already ended: both fine */
	else if (cpu_gone_locked(node, i) || c->converting)
		ret = gone_errno(c);
	else if (c->state != SC_CPU_FREE)
		ret = -EBUSY;		/* another file's command */
	spin_unlock_irqrestore(&node->lock, flags);
	return ret;
}

static long sidecar_ioctl_info(struct sidecar_file *f, unsigned long arg)
{
	struct sidecar_ioctl_info info = {
		.base_cpu = f->node->base_cpu,
		.cpu_count = f->node->cpu_count,
		.per_cpu_shmem = SIDECAR_SHMEM_PER_CPU,
	};

	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long sidecar_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sidecar_file *f = file->private_data;

	/*
	 * RUN, START and STOP make the sidecar CPU act on the command page:
	 * writes, in effect. A file opened read-only gets EBADF for them, as
	 * write(2) on it would (INFO only reads).
	 */
	if ((cmd == SIDECAR_IOCTL_RUN || cmd == SIDECAR_IOCTL_START ||
	     cmd == SIDECAR_IOCTL_STOP) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (cmd) {
	case SIDECAR_IOCTL_INFO:
		return sidecar_ioctl_info(f, arg);
	case SIDECAR_IOCTL_RUN:
		return sidecar_ioctl_run(f, arg);
	case SIDECAR_IOCTL_START:
		return sidecar_ioctl_start(f, arg);
	case SIDECAR_IOCTL_STOP:
		return sidecar_ioctl_stop(f, arg);
	default:
		return -ENOTTY;
	}
}

/*
 * The next CPU whose START ended, as a u32 Linux CPU number. The ended CPU
 * is consumed (taken off the ring and freed) only after the copy to user
 * space succeeded: a read that fails with EFAULT leaves it at the head of
 * the ring for the next read, and the CPU stays the file's meanwhile, so
 * nobody else can start it and no later read can hand out a completion
 * that is not the file's. (Freeing first and giving it back after a failed
 * copy would hand out a stale one: another file could start, end and read
 * the CPU in between.) The copy may fault and sleep, so it runs unlocked;
 * another reader of the same file may consume the peeked CPU meanwhile,
 * and then this one copies the next.
 */
static ssize_t sidecar_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct sidecar_file *f = file->private_data;
	struct sidecar_node *node = f->node;
	struct sidecar_cpu *c;
	unsigned long flags;
	u32 i;
	int ret;

	if (count < sizeof(u32))
		return -EINVAL;
	for (;;) {
		spin_lock_irqsave(&node->lock, flags);
		if (!f->count) {
			spin_unlock_irqrestore(&node->lock, flags);
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(node->wq, READ_ONCE(f->count));
			if (ret)
				return ret;
			continue;
		}
		i = f->ring[f->head];
		spin_unlock_irqrestore(&node->lock, flags);

		if (put_user(node->base_cpu + i, (u32 __user *)buf))
			return -EFAULT;

		spin_lock_irqsave(&node->lock, flags);
		c = &node->cpus[i];
		if (f->count && f->ring[f->head] == i) {
			f->head = (f->head + 1) % node->cpu_count;
			WRITE_ONCE(f->count, f->count - 1);
			c->state = SC_CPU_FREE;
			c->owner = NULL;
			spin_unlock_irqrestore(&node->lock, flags);
			return sizeof(u32);
		}
		spin_unlock_irqrestore(&node->lock, flags);
	}
}

static __poll_t sidecar_poll(struct file *file, poll_table *wait)
{
	struct sidecar_file *f = file->private_data;

	poll_wait(file, &f->node->wq, wait);
	return READ_ONCE(f->count) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * The node's shared pages, and nothing else: for CPU base_cpu + i the
 * command page at i * 8192 and the register page after it.
 */
static int sidecar_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sidecar_node *node = ((struct sidecar_file *)file->private_data)->node;
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 offset;

	/* A private mapping would copy the pages the sidecar CPU writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > node->shmem_size >> PAGE_SHIFT)
		return -EINVAL;
	offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	if (size > node->shmem_size - offset)
		return -EINVAL;
	/* Reserved memory, mapped write-back like the driver's own mapping. */
	return remap_pfn_range(vma, vma->vm_start, (node->shmem_pa + offset) >> PAGE_SHIFT, size,
			       vma->vm_page_prot);
}

/* Stops what the file started and waits until all of it ended. */
static int sidecar_release(struct inode *inode, struct file *file)
{
	struct sidecar_file *f = file->private_data;
	struct sidecar_node *node = f->node;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&node->lock, flags);
	for (i = 0; i < node->cpu_count; i++)
		if (node->cpus[i].owner == f)
			sidecar_cpu_stop_locked(node, i);
	spin_unlock_irqrestore(&node->lock, flags);

	/*
	 * Bounded like a RUN after a signal: the watchdog ends every stopped
	 * command within sidecar_stop_bound(), by a response or by giving the
	 * CPU up. A killed VMM therefore exits in bounded time.
	 */
	if (!wait_event_timeout(node->wq, !READ_ONCE(f->nactive), sidecar_stop_bound())) {
		spin_lock_irqsave(&node->lock, flags);
		for (i = 0; i < node->cpu_count; i++)
			if (node->cpus[i].owner == f && node->cpus[i].active)
				sidecar_cpu_expire_locked(node, i);
		spin_unlock_irqrestore(&node->lock, flags);
	}

	spin_lock_irqsave(&node->lock, flags);
	for (i = 0; i < node->cpu_count; i++) {
		struct sidecar_cpu *c = &node->cpus[i];

		if (c->owner == f) {
			c->owner = NULL;
			c->state = SC_CPU_FREE;
		}
	}
	spin_unlock_irqrestore(&node->lock, flags);
	kvfree(f);
	return 0;
}

static const struct file_operations sidecar_fops = {
	.owner = THIS_MODULE,
	.open = sidecar_open,
	.release = sidecar_release,
	.read = sidecar_read,
	.poll = sidecar_poll,
	.mmap = sidecar_mmap,
	.unlocked_ioctl = sidecar_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* sysfs, on the misc device: /sys/class/misc/sidecarN/ */

static struct sidecar_node *dev_node(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct sidecar_node, misc);
}

#define SIDECAR_NODE_ATTR(name, fmt, expr)						\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr, char *buf)	\
{											\
	struct sidecar_node *node = dev_node(dev);					\
											\
	return sysfs_emit(buf, fmt "\n", expr);						\
}											\
static DEVICE_ATTR_RO(name)

SIDECAR_NODE_ATTR(node_index, "%u", node->index);
SIDECAR_NODE_ATTR(base_cpu, "%u", node->base_cpu);
SIDECAR_NODE_ATTR(cpu_count, "%u", node->cpu_count);
SIDECAR_NODE_ATTR(request_vector, "%#x", node->request_vector);
SIDECAR_NODE_ATTR(response_cpu, "%u", READ_ONCE(node->resp_cpu));
SIDECAR_NODE_ATTR(response_vector, "%#x", READ_ONCE(node->resp_vector));
SIDECAR_NODE_ATTR(response_irqs, "%llu", READ_ONCE(node->irq_count));
SIDECAR_NODE_ATTR(missed_irqs, "%llu", READ_ONCE(node->fallback_count));

/* One word per CPU: the control page's status, or "crashed" or "lost". */
static const char *cpu_status_word(struct sidecar_node *node, u32 i)
{
	u8 gone = READ_ONCE(node->cpus[i].gone);

	if (gone == SC_GONE_CRASHED)
		return "crashed";
	if (gone == SC_GONE_LOST)
		return "lost";
	return sidecar_status_name(sidecar_cpu_status(node->cp, i));
}

/* "cpu status" lines; binary so that 4032 CPUs fit (a sysfs text is a page). */
static ssize_t cpu_status_read(struct file *filp, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	struct sidecar_node *node = dev_node(kobj_to_dev(kobj));
	size_t cap = (size_t)node->cpu_count * 24, len = 0;
	ssize_t ret;
	char *text;
	u32 i;

	text = kvmalloc(cap, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < node->cpu_count; i++)
		len += scnprintf(text + len, cap - len, "%u %s\n", node->base_cpu + i,
				 cpu_status_word(node, i));
	ret = memory_read_from_buffer(buf, count, &off, text, len);
	kvfree(text);
	return ret;
}
static BIN_ATTR_RO(cpu_status, 0);

static struct attribute *sidecar_attrs[] = {
	&dev_attr_node_index.attr,
	&dev_attr_base_cpu.attr,
	&dev_attr_cpu_count.attr,
	&dev_attr_request_vector.attr,
	&dev_attr_response_cpu.attr,
	&dev_attr_response_vector.attr,
	&dev_attr_response_irqs.attr,
	&dev_attr_missed_irqs.attr,
	NULL,
};

static struct bin_attribute *sidecar_bin_attrs[] = {
	&bin_attr_cpu_status,
	NULL,
};

static const struct attribute_group sidecar_group = {
	.attrs = sidecar_attrs,
	.bin_attrs = sidecar_bin_attrs,
};

static const struct attribute_group *sidecar_groups[] = {
	&sidecar_group,
	NULL,
};

int sidecar_node_register(struct sidecar_node *node)
{
	int ret;

	node->misc.minor = MISC_DYNAMIC_MINOR;
	node->misc.name = node->name;
	node->misc.fops = &sidecar_fops;
	node->misc.mode = 0600;
	node->misc.groups = sidecar_groups;
	ret = misc_register(&node->misc);
	if (ret) {
		pr_err("node %u: cannot register /dev/%s: %d\n", node->index, node->name, ret);
		return ret;
	}
	node->misc_registered = true;
	return 0;
}

void sidecar_node_unregister(struct sidecar_node *node)
{
	if (node->misc_registered)
		misc_deregister(&node->misc);
	node->misc_registered = false;
}
